// The recipe's epoch-level rules (recipe.h).
#include "workloads/training/recipe.h"

#include <algorithm>
#include <cmath>

namespace dnsim::training {

int epochs_since_best(const std::vector<double>& validation) {
    int since = 0;
    double best = 0.0;
    for (std::size_t i = 0; i < validation.size(); ++i) {
        if (i == 0 || validation[i] > best) {
            best = validation[i];
            since = 0;
        } else {
            ++since;
        }
    }
    return since;
}

double learning_rate(const Recipe& r, const std::vector<double>& validation, int epoch) {
    switch (r.schedule) {
        case LrSchedule::Constant:
            return r.lr;
        case LrSchedule::Cosine: {
            const double pi = std::acos(-1.0);
            return r.lr * 0.5 *
                   (1.0 +
                    std::cos(pi * static_cast<double>(epoch - 1) / static_cast<double>(r.epochs)));
        }
        case LrSchedule::Plateau: {
            // Replays the history: the rate drops after every run of lr_patience epochs without a
            // new best, and the count starts again after each drop.
            double lr = r.lr;
            double best = 0.0;
            int since = 0;
            const std::size_t seen =
                std::min(validation.size(), static_cast<std::size_t>(epoch - 1));
            for (std::size_t i = 0; i < seen; ++i) {
                if (i == 0 || validation[i] > best) {
                    best = validation[i];
                    since = 0;
                } else if (++since >= r.lr_patience) {
                    lr *= r.lr_factor;
                    since = 0;
                }
            }
            return lr;
        }
    }
    return r.lr;
}

bool stop_early(const Recipe& r, const std::vector<double>& validation) {
    return r.patience > 0 && !validation.empty() && epochs_since_best(validation) >= r.patience;
}

int selected_epoch(const std::vector<double>& validation, int epochs) {
    if (validation.empty())
        return epochs;
    std::size_t best = 0;
    for (std::size_t i = 1; i < validation.size(); ++i) {
        if (validation[i] > validation[best])
            best = i;
    }
    return static_cast<int>(best) + 1;
}

bool weights_needed(KeepCheckpoints keep, const std::vector<double>& validation, int epochs,
                    int epoch) {
    return keep == KeepCheckpoints::All || epoch == epochs ||
           epoch == selected_epoch(validation, epochs);
}

}  // namespace dnsim::training

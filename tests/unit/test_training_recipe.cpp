// The training recipe's epoch-level rules (workloads/training/recipe.h): learning-rate
// schedules, early stopping and the epoch kept, on validation curves worked out by hand.
#include <catch2/catch.hpp>

#include "workloads/training/recipe.h"

using namespace dnsim::training;

TEST_CASE("recipe: constant and cosine learning rates", "[training]") {
    Recipe r;
    r.lr = 0.01;
    r.epochs = 4;
    CHECK(learning_rate(r, {}, 1) == 0.01);
    CHECK(learning_rate(r, {50, 40, 30}, 4) == 0.01);
    r.schedule = LrSchedule::Cosine;
    // (1 + cos(pi (e - 1) / 4)) / 2 for e = 1..4: 1, 0.853553, 0.5, 0.146447.
    CHECK(learning_rate(r, {}, 1) == Approx(0.01));
    CHECK(learning_rate(r, {}, 2) == Approx(0.00853553));
    CHECK(learning_rate(r, {}, 3) == Approx(0.005));
    CHECK(learning_rate(r, {}, 4) == Approx(0.00146447));
}

TEST_CASE("recipe: plateau drops the rate after lr_patience epochs without a new best",
          "[training]") {
    Recipe r;
    r.lr = 1.0;
    r.schedule = LrSchedule::Plateau;
    r.lr_patience = 2;
    r.lr_factor = 0.5;
    // Validation: 80 (best), 85 (best), 84, 85 (not better: equal), 86 (best), 86, 86, 86.
    const std::vector<double> v{80, 85, 84, 85, 86, 86, 86, 86};
    // Epoch e reads the first e - 1 values. After 85, 84 and 85 are two epochs without a new
    // best: epoch 5 runs at 0.5. 86 is a new best; two more 86s: epoch 8 at 0.25; the count
    // restarts after a drop, so epoch 9 is still 0.25.
    const double want[] = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25};
    for (int e = 1; e <= 9; ++e)
        CHECK(learning_rate(r, v, e) == want[e - 1]);
    // A history longer than the epoch: only the epochs before it count.
    CHECK(learning_rate(r, v, 3) == 1.0);
}

TEST_CASE("recipe: early stopping and the epoch kept", "[training]") {
    Recipe r;
    r.patience = 3;
    CHECK(epochs_since_best({}) == 0);
    CHECK(epochs_since_best({70, 72, 71, 72}) == 2);
    CHECK_FALSE(stop_early(r, {}));
    CHECK_FALSE(stop_early(r, {70, 72, 71, 72}));
    CHECK(stop_early(r, {70, 72, 71, 72, 60}));
    r.patience = 0;
    CHECK_FALSE(stop_early(r, {70, 72, 71, 72, 60, 50, 40}));
    // The first of equal bests is kept; without validation, the last epoch.
    CHECK(selected_epoch({70, 72, 71, 72}, 4) == 2);
    CHECK(selected_epoch({70}, 1) == 1);
    CHECK(selected_epoch({}, 6) == 6);
}

TEST_CASE("recipe: checkpoint files kept", "[training]") {
    using dnsim::training::KeepCheckpoints;
    using dnsim::training::weights_needed;
    // Validation 70, 72, 71 after three epochs: epoch 2 (the best so far) and epoch 3 (the
    // last, a resume starts from it) are needed, epoch 1 is not.
    const std::vector<double> v{70, 72, 71};
    CHECK_FALSE(weights_needed(KeepCheckpoints::Needed, v, 3, 1));
    CHECK(weights_needed(KeepCheckpoints::Needed, v, 3, 2));
    CHECK(weights_needed(KeepCheckpoints::Needed, v, 3, 3));
    // A tie does not replace the kept epoch: after 72 again in epoch 4, epoch 2 stays and 3 goes.
    CHECK(weights_needed(KeepCheckpoints::Needed, {70, 72, 71, 72}, 4, 2));
    CHECK_FALSE(weights_needed(KeepCheckpoints::Needed, {70, 72, 71, 72}, 4, 3));
    // Without validation the last epoch is kept, so it alone is needed.
    CHECK_FALSE(weights_needed(KeepCheckpoints::Needed, {}, 3, 2));
    CHECK(weights_needed(KeepCheckpoints::Needed, {}, 3, 3));
    // all keeps every epoch.
    CHECK(weights_needed(KeepCheckpoints::All, v, 3, 1));
}

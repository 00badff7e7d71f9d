// Names of the declaration vocabulary (common/config_schema.h).
#include "models/common/config_schema.h"

namespace dnsim::config {

const char* to_string(Source s) {
    switch (s) {
        case Source::Paper:
            return "paper";
        case Source::Literature:
            return "literature";
        case Source::Ours:
            return "our choice";
        case Source::Calibrated:
            return "calibrated";
    }
    return "?";
}

const char* to_string(Kind k) {
    switch (k) {
        case Kind::Real:
            return "real";
        case Kind::Unsigned:
            return "unsigned";
        case Kind::Integer:
            return "integer";
        case Kind::Switch:
            return "0 or 1";
        case Kind::Choice:
            return "name";
        case Kind::Text:
            return "text";
        case Kind::List:
            return "list";
    }
    return "?";
}

}  // namespace dnsim::config

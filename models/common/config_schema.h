// Configuration keys, each declared once (the shape of gem5's Params): a config struct lists
// its fields in a KeySet — the key, its unit, the accepted range, a one-line help and where the
// default comes from (paper, literature, our choice, calibrated). The default itself is the
// field's member initializer, read from a default-constructed struct, so it is written once
// too. Everything else comes from these declarations: the command line and INI keys, the
// parsers (one per field type, common/config_text.h), the range checks behind every
// XxxConfig::validate(), --help, docs/keys.md and the resolved INI of --dump-config
// (testbench/config_binder.h binds a KeySet to a command). Enum-valued keys take their names
// from one table per enum (EnumName).
#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"

namespace dnsim::config {

/// Where a default value comes from (docs/keys.md prints it with its citation).
enum class Source {
    Paper,       ///< the denoiser paper (Azizi et al. 2024)
    Literature,  ///< another publication, named in the citation
    Ours,        ///< our choice: a modelling or software decision, the reason in the citation
    Calibrated,  ///< fitted so that a published figure holds, named in the citation
};
const char* to_string(Source s);

struct Origin {
    Source source = Source::Ours;
    std::string citation;
};
inline Origin paper(std::string where = "") {
    return {Source::Paper, std::move(where)};
}
inline Origin literature(std::string citation) {
    return {Source::Literature, std::move(citation)};
}
inline Origin ours(std::string reason = "") {
    return {Source::Ours, std::move(reason)};
}
inline Origin calibrated(std::string against) {
    return {Source::Calibrated, std::move(against)};
}

/// The kind of text a key takes (which parser reads it).
enum class Kind {
    Real,      ///< a finite decimal number (parse_real)
    Unsigned,  ///< decimal digits, 0 to 4294967295 before the key's own range
    Integer,   ///< an optional sign and decimal digits
    Switch,    ///< 0 or 1
    Choice,    ///< one of a table of names
    Text,      ///< any text (a path, a list of names)
    List,      ///< a comma-separated list of numbers, or a number or fraction
};
const char* to_string(Kind k);

/// One name of an enum-valued key: the value, its name in keys and outputs, what it means.
template <class E>
struct EnumName {
    E value;
    const char* name;
    const char* help;
};

/// "a, b, c": the names of a table, for messages.
template <class E, std::size_t N>
std::string names_of(const std::array<EnumName<E>, N>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + std::string(n.name);
    return out;
}

/// The value named `text`; ConfigError(key) "'text' is not one of a, b, c" otherwise.
template <class E, std::size_t N>
E parse_enum(const std::array<EnumName<E>, N>& names, const std::string& key,
             const std::string& text) {
    for (const auto& n : names) {
        if (text == n.name)
            return n.value;
    }
    throw ConfigError(key, fmt::format("'{}' is not one of {}", printable(text), names_of(names)));
}

/// The name of `value` in its table.
template <class E, std::size_t N>
const char* name_of(const std::array<EnumName<E>, N>& names, E value) {
    for (const auto& n : names) {
        if (n.value == value)
            return n.name;
    }
    return "?";
}

/// What a key is, independent of the struct that holds it.
struct KeyInfo {
    std::string name;  ///< "section.key" (a key of a nested set: its prefix included)
    Kind kind = Kind::Text;
    std::string unit;   ///< in messages and docs ("MHz"); empty for counts and ratios
    std::string range;  ///< accepted values as docs print them ("1 to 256"); empty: any
    std::string help;   ///< one line
    Origin origin;
    /// The values a real design could have, with their evidence ("50 to 200 ns: ISAAC and PUMA
    /// 100 ns ..."): the span docs/parameters.md and the sensitivity study explore. Every
    /// hardware, energy and noise key has one (a test checks); empty for software settings.
    std::string plausible;
    std::vector<std::pair<std::string, std::string>> choices;  ///< Choice: name, meaning

    bool same_declaration(const KeyInfo& o) const {
        return name == o.name && kind == o.kind && unit == o.unit && range == o.range &&
               help == o.help && origin.source == o.origin.source &&
               origin.citation == o.origin.citation && plausible == o.plausible &&
               choices == o.choices;
    }
};

/// A key bound to a field of S. `prefix` is prepended to the key's name in messages (the keys
/// of a nested set, e.g. weight_sram.).
template <class S>
struct Key {
    KeyInfo info;
    /// The field's value as text, in the form the parser reads back.
    std::function<std::string(const S&)> get;
    /// Parses `text` into the field; ConfigError naming the key for text that is no value of
    /// the field's type (the declared range is check's).
    std::function<void(S&, const std::string& text, const std::string& prefix)> set;
    /// Parses `text` and returns its canonical form (what --dump-config and the JSON outputs
    /// write): numbers formatted from their value, other text as given.
    std::function<std::string(const std::string& text, const std::string& prefix)> canonical;
    /// The declared range (and any further check of the key); ConfigError naming the key.
    std::function<void(const S&, const std::string& prefix)> check;
};

namespace detail {

inline constexpr const char* kNotUnsigned =
    "is not a valid unsigned value; accepted: 0 to 4294967295 (see the key's own range)";

/// Text <-> value of a field type, one parser per type.
template <class T, class = void>
struct Codec;

template <>
struct Codec<double> {
    static constexpr Kind kind = Kind::Real;
    static double parse(const std::string& key, const std::string& text) {
        return parse_real(key, text);
    }
    static std::string format(double v) { return fmt::format("{}", v); }
};

/// Unsigned fields (32 or 64 bits) take 0 to 2^32-1: a seed or a size beyond that is a typo.
template <class T>
struct Codec<T, std::enable_if_t<std::is_unsigned_v<T> && !std::is_same_v<T, bool>>> {
    static_assert(sizeof(T) >= 4, "unsigned keys are 32 or 64 bits");
    static constexpr Kind kind = Kind::Unsigned;
    static T parse(const std::string& key, const std::string& text) {
        return static_cast<T>(parse_integer(key, text, 0, 4294967295LL, kNotUnsigned));
    }
    static std::string format(T v) { return std::to_string(v); }
};

template <class T>
struct Codec<T, std::enable_if_t<std::is_signed_v<T> && std::is_integral_v<T>>> {
    static_assert(sizeof(T) >= 4, "integer keys are 32 or 64 bits");
    static constexpr Kind kind = Kind::Integer;
    static T parse(const std::string& key, const std::string& text) {
        return static_cast<T>(
            parse_integer(key, text, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    }
    static std::string format(T v) { return std::to_string(v); }
};

template <>
struct Codec<bool> {
    static constexpr Kind kind = Kind::Switch;
    static bool parse(const std::string& key, const std::string& text) {
        return parse_integer(key, text, 0, 1) == 1;
    }
    static std::string format(bool v) { return v ? "1" : "0"; }
};

template <>
struct Codec<std::string> {
    static constexpr Kind kind = Kind::Text;
    static std::string parse(const std::string&, const std::string& text) { return text; }
    static std::string format(const std::string& v) { return v; }
};

/// `access` as a callable: a member pointer becomes s.*p.
template <class A>
auto accessor(A access) {
    if constexpr (std::is_member_object_pointer_v<A>) {
        return [access](auto& s) -> auto& {
            return s.*access;
        };
    } else {
        return access;
    }
}

template <class S>
using Check = std::function<void(const S&, const std::string& prefix)>;

/// The range and further checks of one typed field, shared by its closures so that the
/// builder's calls after add() take effect.
template <class S, class T>
struct Spec {
    bool has_range = false;
    T lo{};
    T hi{};
    bool off_at_zero = false;  ///< 0 switches the feature off; the range applies otherwise
    std::string unit;
    Check<S> replace_range;      ///< a check in place of the range (a range that depends on
                                 ///< another key, a message of its own)
    std::vector<Check<S>> also;  ///< further checks after the range, in order
};

}  // namespace detail

/// The fields of S, in declaration order (the order of --help, docs and outputs).
template <class S>
class KeySet {
  public:
    /// Builder of one typed field's declaration (chained after KeySet::add).
    template <class T>
    class Field {
      public:
        Field(KeyInfo& info, std::shared_ptr<detail::Spec<S, T>> spec)
            : m_info(&info), m_spec(std::move(spec)) {}
        /// Accepted values [lo, hi] (NaN is outside every range).
        Field& range(T lo, T hi) {
            m_spec->has_range = true;
            m_spec->lo = lo;
            m_spec->hi = hi;
            m_info->range = fmt::format("{} to {}", lo, hi);
            if (m_spec->off_at_zero)
                m_info->range = "0 (off) or " + m_info->range;
            return *this;
        }
        /// 0 switches the feature off; the range applies to every other value.
        Field& off_at_zero() {
            m_spec->off_at_zero = true;
            if (!m_info->range.empty())
                m_info->range = "0 (off) or " + m_info->range;
            return *this;
        }
        Field& unit(std::string u) {
            m_spec->unit = u;
            m_info->unit = std::move(u);
            return *this;
        }
        /// The unit for docs and help only: the key's messages keep the bare number.
        Field& doc_unit(std::string u) {
            m_info->unit = std::move(u);
            return *this;
        }
        Field& help(std::string h) {
            m_info->help = std::move(h);
            return *this;
        }
        Field& origin(Origin o) {
            m_info->origin = std::move(o);
            return *this;
        }
        /// The plausible range of the value in a real design, with its evidence (KeyInfo).
        Field& plausible(std::string text) {
            m_info->plausible = std::move(text);
            return *this;
        }
        /// A check in place of the declared range, described as `range_text` in the docs.
        Field& check_instead(std::string range_text, detail::Check<S> check) {
            m_info->range = std::move(range_text);
            m_spec->replace_range = std::move(check);
            return *this;
        }
        /// A further check after the range (a constraint between keys).
        Field& also(detail::Check<S> check) {
            m_spec->also.push_back(std::move(check));
            return *this;
        }

      private:
        KeyInfo* m_info;
        std::shared_ptr<detail::Spec<S, T>> m_spec;
    };

    /// A field of a type with a parser of its own (double, integers, bool, std::string).
    /// `access` is a member pointer (&S::field) or a callable returning the field of an S.
    template <class Access>
    auto add(std::string name, Access access) {
        auto acc = detail::accessor(access);
        using T = std::decay_t<decltype(acc(std::declval<S&>()))>;
        using C = detail::Codec<T>;
        return add_typed<T>(
            std::move(name), acc, C::kind,
            [](const std::string& key, const std::string& text) { return C::parse(key, text); },
            [](const T& v) { return C::format(v); }, false);
    }

    /// An enum field whose names are `names` (its one table of names).
    template <class Access, class E, std::size_t N>
    auto add_choice(std::string name, Access access, const std::array<EnumName<E>, N>& names) {
        auto acc = detail::accessor(access);
        using T = std::decay_t<decltype(acc(std::declval<S&>()))>;
        static_assert(std::is_same_v<T, E>, "the field's type is the table's enum");
        auto field = add_typed<E>(
            std::move(name), acc, Kind::Choice,
            [names](const std::string& key, const std::string& text) {
                return parse_enum(names, key, text);
            },
            [names](const E& v) { return std::string(name_of(names, v)); }, false);
        for (const auto& n : names)
            m_keys.back().info.choices.emplace_back(n.name, n.help);
        return field;
    }

    /// A text field that holds one of `names` (or is empty, when `empty_help` is given: what
    /// an empty value means).
    template <class Access>
    auto add_text_choice(std::string name, Access access,
                         std::vector<std::pair<std::string, std::string>> names,
                         std::string empty_help = "") {
        std::string list;
        for (const auto& n : names)
            list += (list.empty() ? "" : ", ") + n.first;
        const bool empty_ok = !empty_help.empty();
        auto field = add_typed<std::string>(
            std::move(name), detail::accessor(access), Kind::Choice,
            [names, list, empty_ok](const std::string& key, const std::string& text) {
                if (empty_ok && text.empty())
                    return text;
                for (const auto& n : names) {
                    if (text == n.first)
                        return text;
                }
                throw ConfigError(key, fmt::format("'{}' is not one of {}", printable(text), list));
            },
            [](const std::string& v) { return v; }, false);
        if (empty_ok)
            m_keys.back().info.choices.emplace_back("", std::move(empty_help));
        for (auto& n : names)
            m_keys.back().info.choices.push_back(std::move(n));
        return field;
    }

    /// A field with a parser and a formatter of its own (a list of numbers, a fraction). Its
    /// canonical text is the text as given, once parsed.
    template <class T, class Access>
    auto add_parsed(std::string name, Access access, Kind kind,
                    std::function<T(const std::string& key, const std::string& text)> parse,
                    std::function<std::string(const T&)> format) {
        return add_typed<T>(std::move(name), detail::accessor(access), kind, std::move(parse),
                            std::move(format), true);
    }

    /// Every key of `inner`, on the part of S that `access` returns, with `prefix` before
    /// their names.
    template <class Inner, class Access>
    void nest(const KeySet<Inner>& inner, Access access, const std::string& prefix = "") {
        auto acc = detail::accessor(access);
        for (const Key<Inner>& k : inner.keys()) {
            Key<S> out;
            out.info = k.info;
            out.info.name = prefix + k.info.name;
            out.get = [acc, inner_get = k.get](const S& s) { return inner_get(acc(s)); };
            out.set = [acc, inner_set = k.set, prefix](S& s, const std::string& text,
                                                       const std::string& p) {
                inner_set(acc(s), text, p + prefix);
            };
            out.canonical = [inner_canonical = k.canonical, prefix](const std::string& text,
                                                                    const std::string& p) {
                return inner_canonical(text, p + prefix);
            };
            out.check = [acc, inner_check = k.check, prefix](const S& s, const std::string& p) {
                inner_check(acc(s), p + prefix);
            };
            m_keys.push_back(std::move(out));
        }
    }

    /// Appends the keys of another set of the same struct.
    void append(const KeySet<S>& other) {
        m_keys.insert(m_keys.end(), other.m_keys.begin(), other.m_keys.end());
    }

    /// The keys named `names` only (a command that takes part of a struct's keys).
    KeySet<S> only(std::initializer_list<const char*> names) const {
        KeySet<S> out;
        for (const char* n : names)
            out.m_keys.push_back(find(n));
        return out;
    }

    const Key<S>& find(const std::string& name) const {
        for (const Key<S>& k : m_keys) {
            if (k.info.name == name)
                return k;
        }
        throw std::logic_error("no configuration key '" + name + "' in this set");
    }

    const std::vector<Key<S>>& keys() const { return m_keys; }

    /// Every key's declared range and checks, in declaration order: the body of validate().
    void check(const S& s, const std::string& prefix = "") const {
        for (const Key<S>& k : m_keys)
            k.check(s, prefix);
    }

  private:
    template <class T, class Acc>
    Field<T> add_typed(std::string name, Acc acc, Kind kind,
                       std::function<T(const std::string&, const std::string&)> parse,
                       std::function<std::string(const T&)> format, bool canonical_as_given) {
        auto spec = std::make_shared<detail::Spec<S, T>>();
        Key<S> k;
        k.info.name = name;
        k.info.kind = kind;
        k.get = [acc, format](const S& s) { return format(acc(s)); };
        k.set = [acc, parse, name](S& s, const std::string& text, const std::string& p) {
            acc(s) = parse(p + name, text);
        };
        k.canonical = [parse, format, name, canonical_as_given](const std::string& text,
                                                                const std::string& p) {
            const T v = parse(p + name, text);
            return canonical_as_given ? text : format(v);
        };
        k.check = [acc, spec, name](const S& s, const std::string& p) {
            if (spec->replace_range) {
                spec->replace_range(s, p);
            } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
                const T& v = acc(s);
                if (spec->has_range && !(spec->off_at_zero && v == T{})) {
                    const std::string unit = spec->unit.empty() ? "" : " " + spec->unit;
                    require_range(p + name, v, spec->lo, spec->hi, unit.c_str());
                }
            }
            for (const auto& further : spec->also)
                further(s, p);
        };
        m_keys.push_back(std::move(k));
        return Field<T>(m_keys.back().info, std::move(spec));
    }

    std::vector<Key<S>> m_keys;
};

/// A callable returning (s.*outer).*inner: a field of a nested struct.
template <class O, class I, class T>
auto member(I O::*outer, T I::*inner) {
    return [ outer, inner ](auto& s) -> auto& {
        return (s.*outer).*inner;
    };
}

}  // namespace dnsim::config

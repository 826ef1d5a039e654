#include "ctl/flags.h"

#include <cctype>
#include <iomanip>
#include <optional>
#include <sstream>

namespace smeg::ctl {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The flag `arg` names ("--name" in any case, or "-n"), or nullptr.
const Flag* find_flag(const Verb& verb, const std::string& arg) {
  if (arg.size() > 2 && arg.starts_with("--")) {
    const std::string name = lower(arg.substr(2));
    for (const Flag& f : verb.flags) {
      if (lower(f.name) == name) return &f;
    }
  } else if (arg.size() == 2 && arg[0] == '-') {
    for (const Flag& f : verb.flags) {
      if (f.short_name[0] == arg[1] && f.short_name[0] != '\0') return &f;
    }
  }
  return nullptr;
}

// Whether `arg` is something this verb would take as a flag: then it is not a value.
bool is_flag_of(const Verb& verb, const std::string& arg) {
  if (arg == "--help" || arg == "-h" || (arg == "--json" && verb.read)) return true;
  return find_flag(verb, arg.substr(0, arg.find('='))) != nullptr;
}

Status bad(const Verb& verb, const std::string& what) {
  return Status::invalid_argument(std::string(verb.name) + ": " + what);
}

}  // namespace

const std::string* ParsedFlags::find(const std::string& flag) const {
  auto it = values.find(flag);
  return it == values.end() ? nullptr : &it->second;
}

Result<ParsedFlags> parse_flags(const Verb& verb, const std::vector<std::string>& args,
                                size_t from) {
  ParsedFlags p;
  for (size_t i = from; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      p.help = true;
      continue;
    }
    if (arg == "--json" && verb.read) {
      p.json = true;
      continue;
    }
    if (!arg.starts_with("-")) return bad(verb, "unexpected argument \"" + arg + "\"");
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (const size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    const Flag* flag = find_flag(verb, name);
    if (!flag) return bad(verb, "unknown flag \"" + arg + "\"");
    const std::string long_name = std::string("--") + flag->name;
    if (!flag->takes_value) {
      if (inline_value) return bad(verb, long_name + " takes no value");
      p.switches.insert(flag->name);
    } else if (inline_value) {
      p.values[flag->name] = *inline_value;
    } else if (i + 1 < args.size() && !is_flag_of(verb, args[i + 1])) {
      p.values[flag->name] = args[++i];
    } else {
      return bad(verb, long_name + " needs a value");
    }
  }
  return p;
}

Result<std::string> required(const Verb& verb, const ParsedFlags& parsed, const char* flag) {
  const std::string* value = parsed.find(flag);
  if (!value || value->empty()) return bad(verb, std::string("--") + flag + " is required");
  return *value;
}

std::string verb_usage(const Verb& verb) {
  std::ostringstream o;
  o << "usage: smegctl " << verb.name << " [FLAGS]\n" << verb.summary << "\n\n";
  auto line = [&](const std::string& left, const char* help) {
    o << std::left << std::setw(30) << left << help << "\n";
  };
  for (const Flag& f : verb.flags) {
    std::string left = "  ";
    left += f.short_name[0] != '\0' ? std::string("-") + f.short_name + ", " : "    ";
    left += std::string("--") + f.name + (f.takes_value ? " VALUE" : "");
    line(left, f.help);
  }
  if (verb.read) line("      --json", "print the API's JSON");
  line("      --help", "this text");
  return o.str();
}

}  // namespace smeg::ctl

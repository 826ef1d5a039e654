// The command line of one smegctl verb: its flags (long and short names, with or without a
// value) and what a command line gave them. Flags are spelled "--name VALUE", "--name=VALUE"
// or "-n VALUE"; long names match in any case (the original's --KeepAliveWg is also typed
// --keepalivewg). A value is the next argument, unless that argument is itself a flag of the
// verb: then the flag is missing its value ("--name=VALUE" passes any value). Read verbs take
// --json; every verb takes --help (or -h). Errors name the verb and the flag or argument.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"

namespace smeg::ctl {

struct Flag {
  const char* name;        // long name, without "--"
  const char* short_name;  // one letter without "-", or "" for none
  bool takes_value;        // false: a switch
  const char* help;
};

struct Verb {
  const char* name;
  const char* summary;
  std::vector<Flag> flags;
  bool read;  // prints what smegd has, so takes --json
};

// What a command line gave a verb's flags, by long name.
struct ParsedFlags {
  std::map<std::string, std::string> values;  // flags with a value
  std::set<std::string> switches;             // switches that were given
  bool json = false;
  bool help = false;

  // The value of `flag`, or nullptr when it was not given.
  const std::string* find(const std::string& flag) const;
};

// Parses args[from..] as flags of `verb`.
Result<ParsedFlags> parse_flags(const Verb& verb, const std::vector<std::string>& args,
                                size_t from);

// The value of a flag the verb cannot do without; an error naming it if absent or empty.
Result<std::string> required(const Verb& verb, const ParsedFlags& parsed, const char* flag);

// "usage: smegctl VERB [FLAGS]", the summary, and a line per flag.
std::string verb_usage(const Verb& verb);

}  // namespace smeg::ctl

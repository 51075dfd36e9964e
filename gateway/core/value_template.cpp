#include "gateway/core/value_template.hpp"

#include <array>
#include <charconv>

#include "gateway/util/encoding.hpp"
#include "gateway/util/time_format.hpp"

namespace gh::core {

namespace {

using Getter = bool (*)(const RequestContext&, std::string&);

void append_int(std::string& out, long long v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

bool str(std::string& out, std::string_view v) {
  if (v.empty()) return false;
  out += v;
  return true;
}

long long millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

struct ContextVariable {
  std::string_view name;
  Getter get;
};

// The `$context` variables of REST and HTTP APIs that this gateway knows (aws-behaviour.md §8.5
// and §9.3). Values that do not apply to a request are null.
const std::array kContextVariables = {
    ContextVariable{"requestId", [](const RequestContext& c, std::string& o) { return str(o, c.request_id); }},
    ContextVariable{"extendedRequestId", [](const RequestContext& c, std::string& o) { return str(o, c.extended_request_id); }},
    ContextVariable{"apiId", [](const RequestContext& c, std::string& o) { return c.api && str(o, c.api->id); }},
    ContextVariable{"accountId", [](const RequestContext& c, std::string& o) { return c.api && str(o, c.api->account_id); }},
    ContextVariable{"stage", [](const RequestContext& c, std::string& o) { return c.stage && str(o, c.stage->name); }},
    ContextVariable{"routeKey", [](const RequestContext& c, std::string& o) { return c.route && str(o, c.route->route_key); }},
    ContextVariable{"resourcePath", [](const RequestContext& c, std::string& o) { return c.route && str(o, c.route->path); }},
    ContextVariable{"resourceId", [](const RequestContext& c, std::string& o) { return c.route && str(o, c.route->resource_id); }},
    ContextVariable{"httpMethod", [](const RequestContext& c, std::string& o) { return str(o, c.request.method); }},
    // With the stage; HTTP APIs report the decoded path, as their events do (request_path()).
    ContextVariable{"path", [](const RequestContext& c, std::string& o) { return str(o, c.request_path()); }},
    ContextVariable{"protocol", [](const RequestContext& c, std::string& o) {
      o += c.request.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
      return true;
    }},
    ContextVariable{"requestTime", [](const RequestContext& c, std::string& o) {
      o += util::clf_time(c.request_time);
      return true;
    }},
    ContextVariable{"requestTimeEpoch", [](const RequestContext& c, std::string& o) {
      append_int(o, util::epoch_millis(c.request_time));
      return true;
    }},
    ContextVariable{"domainName", [](const RequestContext& c, std::string& o) { return str(o, c.domain_name); }},
    ContextVariable{"domainPrefix", [](const RequestContext& c, std::string& o) {
      std::string_view d = c.domain_name;
      if (d.empty()) return false;
      o += d.substr(0, d.find('.'));
      return true;
    }},
    ContextVariable{"status", [](const RequestContext& c, std::string& o) {
      if (c.status == 0) return false;
      append_int(o, c.status);
      return true;
    }},
    ContextVariable{"responseLength", [](const RequestContext& c, std::string& o) {
      if (c.status == 0) return false;
      append_int(o, static_cast<long long>(c.response_length));
      return true;
    }},
    ContextVariable{"responseLatency", [](const RequestContext& c, std::string& o) {
      append_int(o, millis(std::chrono::steady_clock::now() - c.received));
      return true;
    }},
    ContextVariable{"integrationLatency", [](const RequestContext& c, std::string& o) {
      if (!c.integration_latency) return false;
      append_int(o, millis(*c.integration_latency));
      return true;
    }},
    ContextVariable{"integration.latency", [](const RequestContext& c, std::string& o) {
      if (!c.integration_latency) return false;
      append_int(o, millis(*c.integration_latency));
      return true;
    }},
    ContextVariable{"integrationStatus", [](const RequestContext& c, std::string& o) {
      if (c.integration_status < 0) return false;
      append_int(o, c.integration_status);
      return true;
    }},
    ContextVariable{"integration.status", [](const RequestContext& c, std::string& o) {
      if (c.integration_status < 0) return false;
      append_int(o, c.integration_status);
      return true;
    }},
    ContextVariable{"integration.integrationStatus", [](const RequestContext& c, std::string& o) {
      if (c.integration_status < 0) return false;
      append_int(o, c.integration_status);
      return true;
    }},
    ContextVariable{"integration.error", [](const RequestContext& c, std::string& o) { return str(o, c.integration_error); }},
    ContextVariable{"integrationErrorMessage", [](const RequestContext& c, std::string& o) { return str(o, c.integration_error); }},
    ContextVariable{"error.message", [](const RequestContext& c, std::string& o) { return str(o, c.error_message); }},
    ContextVariable{"error.messageString", [](const RequestContext& c, std::string& o) {
      if (c.error_message.empty()) return false;
      o += util::json_quote(c.error_message);
      return true;
    }},
    ContextVariable{"error.responseType", [](const RequestContext& c, std::string& o) {
      if (!c.error_kind) return false;
      o += response_type_name(*c.error_kind);
      return true;
    }},
    ContextVariable{"identity.sourceIp", [](const RequestContext& c, std::string& o) { return str(o, c.identity.source_ip); }},
    ContextVariable{"identity.userAgent", [](const RequestContext& c, std::string& o) { return str(o, c.identity.user_agent); }},
    ContextVariable{"identity.accessKey", [](const RequestContext& c, std::string& o) { return str(o, c.identity.access_key); }},
    ContextVariable{"identity.accountId", [](const RequestContext& c, std::string& o) { return str(o, c.identity.account_id); }},
    ContextVariable{"identity.caller", [](const RequestContext& c, std::string& o) { return str(o, c.identity.caller); }},
    ContextVariable{"identity.user", [](const RequestContext& c, std::string& o) { return str(o, c.identity.user); }},
    ContextVariable{"identity.userArn", [](const RequestContext& c, std::string& o) { return str(o, c.identity.user_arn); }},
    ContextVariable{"identity.principalOrgId", [](const RequestContext& c, std::string& o) { return str(o, c.identity.principal_org_id); }},
    ContextVariable{"identity.apiKey", [](const RequestContext& c, std::string& o) { return str(o, c.identity.api_key); }},
    ContextVariable{"identity.apiKeyId", [](const RequestContext& c, std::string& o) { return str(o, c.identity.api_key_id); }},
    // WebSocket APIs (aws-behaviour.md §2.2).
    ContextVariable{"connectionId", [](const RequestContext& c, std::string& o) {
      return c.websocket && str(o, c.websocket->connection_id);
    }},
    ContextVariable{"eventType", [](const RequestContext& c, std::string& o) {
      if (!c.websocket) return false;
      o += c.websocket->type_name();
      return true;
    }},
    ContextVariable{"messageId", [](const RequestContext& c, std::string& o) {
      return c.websocket && str(o, c.websocket->message_id);
    }},
    ContextVariable{"connectedAt", [](const RequestContext& c, std::string& o) {
      if (!c.websocket) return false;
      append_int(o, c.websocket->connected_at);
      return true;
    }},
};

int find_context_variable(std::string_view name) {
  for (std::size_t i = 0; i < kContextVariables.size(); ++i) {
    if (kContextVariables[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

bool name_char(char c, bool allow_dash) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || (allow_dash && c == '-');
}

struct Prefix {
  std::string_view text;
  ValueTemplate::Source source;
  bool allow_dash;
};

// Longest prefixes first so "request.path." wins over "request.path".
constexpr std::array kPrefixes = {
    Prefix{"context.", ValueTemplate::Source::kContext, false},
    Prefix{"request.path.", ValueTemplate::Source::kPathParam, true},
    Prefix{"request.querystring.", ValueTemplate::Source::kQuery, true},
    Prefix{"request.header.", ValueTemplate::Source::kHeader, true},
    Prefix{"stageVariables.", ValueTemplate::Source::kStageVariable, false},
    Prefix{"request.path", ValueTemplate::Source::kRequestPath, false},
};
static_assert(kPrefixes.back().source == ValueTemplate::Source::kRequestPath);

// Value of query parameter `name` (decoded; duplicates joined with "," as HTTP API mappings do).
bool append_query(const RequestContext& ctx, std::string_view name, std::string& out) {
  std::string_view q = ctx.request.query;
  bool found = false;
  while (!q.empty()) {
    std::string_view pair = q.substr(0, q.find('&'));
    q.remove_prefix(std::min(q.size(), pair.size() + 1));
    std::string_view key = pair.substr(0, pair.find('='));
    if (util::percent_decode(key, true) != name) continue;
    if (found) out += ',';
    found = true;
    if (key.size() < pair.size()) out += util::percent_decode(pair.substr(key.size() + 1), true);
  }
  return found;
}

}  // namespace

bool append_context_variable(const RequestContext& ctx, std::string_view name, std::string& out) {
  int index = find_context_variable(name);
  return index >= 0 && kContextVariables[static_cast<std::size_t>(index)].get(ctx, out);
}

std::optional<ValueTemplate> ValueTemplate::compile(std::string_view text, Allowed allowed,
                                                    std::string& error) {
  ValueTemplate t;
  t.text_ = std::string(text);
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) t.parts_.push_back({Source::kLiteral, -1, std::move(literal)});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$') {
      literal += text[i++];
      continue;
    }
    bool braced = i + 1 < text.size() && text[i + 1] == '{';
    std::size_t start = i + (braced ? 2 : 1);
    std::string_view rest = text.substr(start);
    const Prefix* prefix = nullptr;
    for (const auto& p : kPrefixes) {
      if (rest.starts_with(p.text)) {
        prefix = &p;
        break;
      }
    }
    bool allowed_source =
        prefix &&
        (prefix->source == Source::kContext ||
         (prefix->source == Source::kStageVariable ? allowed.stage_variables : allowed.request));
    if (!allowed_source) {
      literal += text[i++];
      continue;
    }
    std::size_t name_start = start + prefix->text.size();
    std::size_t end = name_start;
    if (braced) {
      end = text.find('}', name_start);
      if (end == std::string_view::npos) {
        literal += text[i++];
        continue;
      }
    } else {
      while (end < text.size() && name_char(text[end], prefix->allow_dash)) ++end;
      while (end > name_start && text[end - 1] == '.') --end;  // sentence punctuation
    }
    if (!braced && end == name_start && prefix->source == Source::kPathParam) {
      // "$request.path." ending a sentence is $request.path and a full stop.
      prefix = &kPrefixes.back();
      name_start = end = start + prefix->text.size();
    }
    std::string_view name = text.substr(name_start, end - name_start);
    Part part{prefix->source, -1, std::string(name)};
    if (prefix->source == Source::kRequestPath) {
      if (!name.empty()) {  // "$request.pathX" is not a variable
        literal += text[i++];
        continue;
      }
    } else if (name.empty()) {
      literal += text[i++];
      continue;
    }
    if (prefix->source == Source::kContext) {
      part.context_var = find_context_variable(name);
      if (part.context_var < 0) {
        error = "unknown variable $context." + std::string(name);
        return std::nullopt;
      }
    }
    flush();
    t.parts_.push_back(std::move(part));
    i = braced ? end + 1 : end;
  }
  flush();
  return t;
}

bool ValueTemplate::is_constant() const noexcept {
  for (const auto& p : parts_) {
    if (p.source != Source::kLiteral) return false;
  }
  return true;
}

bool ValueTemplate::render(const RequestContext& ctx, std::string& out, std::string_view missing,
                           bool json_escape) const {
  std::string value;
  bool complete = true;
  for (const auto& p : parts_) {
    if (p.source == Source::kLiteral) {
      out += p.text;
      continue;
    }
    value.clear();
    bool found = false;
    switch (p.source) {
      case Source::kLiteral:
        break;
      case Source::kContext:
        found = kContextVariables[static_cast<std::size_t>(p.context_var)].get(ctx, value);
        break;
      case Source::kPathParam:
        if (const std::string* v = ctx.path_param(p.text)) {
          value = *v;
          found = true;
        }
        break;
      case Source::kQuery:
        found = append_query(ctx, p.text, value);
        break;
      case Source::kHeader:
        if (ctx.request.headers.contains(p.text)) {
          value = ctx.request.headers.joined(p.text, ",");
          found = true;
        }
        break;
      case Source::kRequestPath:
        value = ctx.path;
        found = true;
        break;
      case Source::kStageVariable:
        if (ctx.stage) {
          if (const std::string* v = ctx.stage->variable(p.text)) {
            value = *v;
            found = true;
          }
        }
        break;
    }
    complete = complete && found;
    const std::string_view shown = found ? std::string_view(value) : missing;
    if (json_escape) {
      util::append_json_escaped(out, shown);
    } else {
      out += shown;
    }
  }
  return complete;
}

}  // namespace gh::core

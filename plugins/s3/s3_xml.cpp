#include "plugins/s3/s3_xml.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <sstream>

namespace gh::plugins::s3 {

namespace pt = boost::property_tree;

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "&#" + std::to_string(static_cast<int>(c)) + ";";
        } else {
          out += c;
        }
    }
  }
  return out;
}

XmlWriter::XmlWriter(std::string_view root, bool with_namespace) {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  out_ += root;
  if (with_namespace) {
    out_ += " xmlns=\"";
    out_ += kS3Namespace;
    out_ += '"';
  }
  out_ += '>';
  open_.emplace_back(root);
}

void XmlWriter::open(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  open_.emplace_back(name);
}

void XmlWriter::close() {
  if (open_.empty()) return;
  out_ += "</";
  out_ += open_.back();
  out_ += '>';
  open_.pop_back();
}

void XmlWriter::element(std::string_view name, std::string_view text) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  out_ += xml_escape(text);
  out_ += "</";
  out_ += name;
  out_ += '>';
}

std::string XmlWriter::finish() {
  while (!open_.empty()) close();
  return std::move(out_);
}

const XmlNode* XmlNode::child(std::string_view want) const {
  for (const auto& c : children) {
    if (c.name == want) return &c;
  }
  return nullptr;
}

namespace {

std::string trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

}  // namespace

std::string XmlNode::child_text(std::string_view want) const {
  const XmlNode* c = child(want);
  return c ? trim(c->text) : std::string();
}

std::string XmlNode::child_raw(std::string_view want) const {
  const XmlNode* c = child(want);
  return c ? c->text : std::string();
}

namespace {

constexpr int kMaxDepth = 16;

/// A cheap over-estimate of the element nesting, so the recursive parser never sees more.
bool nesting_within_limit(std::string_view body) {
  int depth = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '<' || i + 1 >= body.size()) continue;
    char next = body[i + 1];
    if (next == '/') {
      --depth;
    } else if (next != '?' && next != '!') {
      auto end = body.find('>', i);
      if (end == std::string_view::npos) return true;  // malformed: the parser says so
      if (body[end - 1] != '/') ++depth;
      if (depth > kMaxDepth) return false;
    }
  }
  return true;
}

std::string local_name(std::string_view name) {
  auto colon = name.find(':');
  return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
}

XmlNode convert(const std::string& name, const pt::ptree& tree) {
  XmlNode node;
  node.name = local_name(name);
  node.text = tree.data();
  for (const auto& [child_name, child] : tree) {
    if (child_name == "<xmlattr>" || child_name == "<xmlcomment>") continue;
    node.children.push_back(convert(child_name, child));
  }
  return node;
}

}  // namespace

std::optional<XmlNode> parse_xml(std::string_view body) {
  if (!nesting_within_limit(body)) return std::nullopt;
  pt::ptree tree;
  try {
    std::istringstream in{std::string(body)};
    pt::read_xml(in, tree);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  // A document has exactly one root element (comments and the declaration aside).
  const pt::ptree::value_type* root = nullptr;
  for (const auto& entry : tree) {
    if (entry.first == "<xmlcomment>") continue;
    if (root) return std::nullopt;
    root = &entry;
  }
  if (!root) return std::nullopt;
  return convert(root->first, root->second);
}

}  // namespace gh::plugins::s3

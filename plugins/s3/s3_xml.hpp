#pragma once
/// S3's XML on the wire: rendering response documents (with escaping) and reading the small
/// request documents S3 accepts (CreateBucketConfiguration, Delete, CompleteMultipartUpload).
/// Pure functions and value types, any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::plugins::s3 {

/// The namespace of every S3 response document (Amazon S3 API Reference, e.g. ListObjectsV2).
inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Text escaped for an XML element (&, <, >, ", ' and the control characters XML 1.0 cannot
/// carry as characters, which become character references like S3's own &#13;).
std::string xml_escape(std::string_view text);

/// Builds one XML document: `<?xml …?><Root xmlns="…">…</Root>`.
class XmlWriter {
 public:
  /// `with_namespace`: S3's error documents have none.
  explicit XmlWriter(std::string_view root, bool with_namespace = true);
  void open(std::string_view name);
  void close();
  /// <name>escaped text</name>
  void element(std::string_view name, std::string_view text);
  /// Closes every open element and returns the document.
  std::string finish();

 private:
  std::string out_;
  std::vector<std::string> open_;
};

/// A parsed request document: element names without namespace prefixes, text trimmed of
/// surrounding whitespace, attributes dropped.
struct XmlNode {
  std::string name;
  std::string text;  // as sent: white space is part of an object key
  std::vector<XmlNode> children;

  const XmlNode* child(std::string_view name) const;
  /// A value's text (a number, a flag, an ETag) without surrounding white space; "" if absent.
  std::string child_text(std::string_view name) const;
  /// A name's text as sent (an object key, a prefix: " a\t" is not "a"); "" if absent.
  std::string child_raw(std::string_view name) const;
};

/// The root element, or nullopt when `body` is not well-formed XML (S3: MalformedXML). Bodies
/// nested deeper than 16 levels are refused before parsing (the parser recurses).
std::optional<XmlNode> parse_xml(std::string_view body);

}  // namespace gh::plugins::s3

// The S3 API's pure helpers: XML rendering (escaping) and request-document parsing
// (plugins/s3/s3_xml.hpp), HTTP dates, query strings and x-amz-copy-source
// (plugins/s3/operation_support.hpp).
#include <doctest/doctest.h>

#include <string>

#include "plugins/s3/operation_support.hpp"
#include "plugins/s3/s3_xml.hpp"

using namespace gh::plugins::s3;

TEST_CASE("XmlWriter renders S3's namespace and escapes text") {
  XmlWriter xml("ListBucketResult");
  xml.element("Name", "b");
  xml.open("Contents");
  xml.element("Key", "a<b>&\"c'\r");
  std::string doc = xml.finish();
  CHECK(doc ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
        "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Contents><Key>"
        "a&lt;b&gt;&amp;&quot;c&apos;&#13;</Key></Contents></ListBucketResult>");
  XmlWriter error("Error", false);
  CHECK(error.finish() == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error></Error>");
}

TEST_CASE("parse_xml reads request documents and refuses malformed or deep ones") {
  auto doc = parse_xml(
      "<?xml version=\"1.0\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Quiet>true</Quiet><Object><Key> a &amp; b </Key></Object><Object><Key>c</Key>"
      "</Object></Delete>");
  REQUIRE(doc);
  CHECK(doc->name == "Delete");
  CHECK(doc->child_text("Quiet") == "true");
  REQUIRE(doc->children.size() == 3);
  CHECK(doc->children[1].child_text("Key") == "a & b");
  CHECK(doc->children[2].child_text("Key") == "c");
  CHECK_FALSE(parse_xml("<Delete><Object></Delete>"));
  CHECK_FALSE(parse_xml("not xml"));
  CHECK_FALSE(parse_xml(""));
  CHECK_FALSE(parse_xml("<a/><b/>"));
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  CHECK_FALSE(parse_xml(deep));
}

TEST_CASE("parse_http_date reads the three HTTP date forms") {
  const std::int64_t t = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example)
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == t);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == t);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == t);
  CHECK_FALSE(parse_http_date("yesterday"));
  CHECK_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  CHECK(http_date_ms(t * 1000 + 999) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(iso8601_ms(t * 1000 + 5) == "1994-11-06T08:49:37.005Z");
}

TEST_CASE("QueryParams decodes names and values; bare names have empty values") {
  QueryParams q("uploads&prefix=a%20b%2Fc&max-keys=2&empty=&plus=a+b");
  CHECK(q.has("uploads"));
  CHECK(q.get("uploads") == "");
  CHECK(q.get("prefix") == "a b/c");
  CHECK(q.get("max-keys") == "2");
  CHECK(q.get("empty") == "");
  CHECK(q.get("plus") == "a b");
  CHECK_FALSE(q.has("marker"));
  CHECK(QueryParams("").items().empty());
}

TEST_CASE("parse_copy_source takes bucket/key with or without a leading slash") {
  using Pair = std::pair<std::string, std::string>;
  CHECK(parse_copy_source("src/a%20b/%C3%BC") == Pair{"src", "a b/ü"});
  CHECK(parse_copy_source("/src/k?versionId=3") == Pair{"src", "k"});
  CHECK_FALSE(parse_copy_source("src"));
  CHECK_FALSE(parse_copy_source("/src/"));
  CHECK_FALSE(parse_copy_source("//k"));
}

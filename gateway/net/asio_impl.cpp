// The one translation unit that compiles Asio, Asio SSL, Beast, Boost.JSON and Boost.URL
// (BOOST_*_SEPARATE_COMPILATION is set for every file, see CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>

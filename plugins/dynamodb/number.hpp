#pragma once
/// DynamoDB's number type (`{"N": "..."}`): an exact decimal of at most 38 significant digits
/// whose magnitude is 0 or lies in 1E-130 .. 9.9999999999999999999999999999999999999E+125.
/// A Number is parsed from DynamoDB's number text with DynamoDB's ValidationException messages,
/// prints back as the canonical text DynamoDB returns, compares numerically, adds and subtracts
/// exactly as UpdateExpression `SET a = a + :v` / `ADD` do, and has an order-preserving byte
/// form (key_bytes) used as the SQLite sort key of number key attributes.
///
/// Held as sign + normalised digits (no leading or trailing zeros, at most 38) + the decimal
/// exponent of the leading digit; no heap allocation. The behaviours copied from DynamoDB, with
/// their sources, are listed in number.cpp.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gh::plugins::dynamodb {

/// DynamoDB's ValidationException messages for numbers, as recorded against live DynamoDB by
/// dynalite's tests (github.com/architect/dynalite test/putItem.js, test/deleteItem.js) and
/// identical in DynamoDB Local's ErrorFactory; details in number.cpp.
/// Text that is not a number: kNotNumericMessage + ": " + the text ("...numeric value: b");
/// the empty string: kNotNumericMessage alone (the older validation layer's words; the current
/// layer's "…: " is set where the number is refused, attribute_value.cpp).
inline constexpr std::string_view kNotNumericMessage =
    "The parameter cannot be converted to a numeric value";
/// More than 38 significant digits (dynalite: a 39-digit N).
inline constexpr std::string_view kTooManyDigitsMessage =
    "Attempting to store more than 38 significant digits in a Number";
/// Magnitude of 1E+126 or more (dynalite: ±1e126); also every unstorable +/- result.
inline constexpr std::string_view kOverflowMessage =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
/// Non-zero magnitude below 1E-130 (dynalite: ±1e-131).
inline constexpr std::string_view kUnderflowMessage =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";

class Number {
 public:
  static constexpr int kMaxDigits = 38;
  static constexpr int kMinExponent = -130;  // 1E-130 is the smallest non-zero magnitude
  static constexpr int kMaxExponent = 125;   // 9.99…E+125 (38 nines) the largest
  /// The longest key_bytes(): tag, exponent, 19 digit pairs, terminator.
  static constexpr std::size_t kMaxKeyBytes = 22;

  /// Zero.
  Number() = default;

  /// Parses DynamoDB's number text: optional '+' or '-', digits with an optional '.' (at least
  /// one digit on either side), optional exponent e/E[+-]digits; nothing else (no spaces, no
  /// "NaN"/"Infinity", no hex). Leading and trailing zeros are not significant. On failure
  /// returns nullopt and sets `error` to DynamoDB's ValidationException message.
  static std::optional<Number> parse(std::string_view text, std::string& error);

  /// Whether DynamoDB's older validation layer (BatchWriteItem, the transactions, Scan) answers
  /// kUnderflowMessage for `text` where parse() answers kOverflowMessage: that layer computes
  /// the magnitude as Java's BigDecimal precision() - scale() in a 32-bit int, which wraps
  /// negative past 2^31 - 1 ("1e2147483647"). Details and sources in number.cpp.
  static bool older_layer_underflows(std::string_view text) noexcept;

  /// The text DynamoDB returns for the number: plain decimal notation, never an exponent, no
  /// '+', no leading zeros, no trailing fractional zeros, "0" for any zero ("1.50" -> "1.5",
  /// "-0" -> "0", "1e2" -> "100", "1E-3" -> "0.001", 1E+125 -> "1" and 125 zeros).
  std::string to_string() const;

  /// Numeric comparison, a total order: <0 if a < b, 0 if equal, >0 if a > b.
  friend int compare(const Number& a, const Number& b) noexcept;
  /// Numeric equality ("1.0" == "1", "-0" == "0").
  bool operator==(const Number& other) const noexcept;
  friend std::strong_ordering operator<=>(const Number& a, const Number& b) noexcept {
    return compare(a, b) <=> 0;
  }

  /// The exact a + b and a - b, as UpdateExpression arithmetic and the ADD action compute
  /// them. A result DynamoDB cannot store (more than 38 significant digits, or a magnitude out
  /// of range) gives nullopt and `error` set to DynamoDB's message, which is kOverflowMessage
  /// in every case (see number.cpp).
  static std::optional<Number> add(const Number& a, const Number& b, std::string& error);
  static std::optional<Number> subtract(const Number& a, const Number& b, std::string& error);

  /// Order-preserving binary form: memcmp order of key_bytes() is numeric order, and equal
  /// numbers give identical bytes. Prefix-free (a terminator byte ends every non-zero number),
  /// so the comparison of two concatenations key_bytes(a) + x and key_bytes(b) + y is decided
  /// by a vs b whenever a != b. At most kMaxKeyBytes bytes. Layout in number.cpp.
  std::string key_bytes() const;
  /// Appends key_bytes() to `out`.
  void append_key_bytes(std::string& out) const;
  /// Inverse of key_bytes(): nullopt unless `bytes` is exactly one canonical encoding.
  static std::optional<Number> from_key_bytes(std::string_view bytes);
  /// Decodes the encoding at the start of `bytes` (e.g. a composite key) and sets `consumed`
  /// to its length; nullopt if it does not start with a canonical encoding.
  static std::optional<Number> from_key_bytes_prefix(std::string_view bytes, std::size_t& consumed);

  bool is_zero() const noexcept { return size_ == 0; }
  /// True for numbers below zero (never for zero).
  bool negative() const noexcept { return negative_; }
  /// The significant digits, '1'-'9' first and last ("" for zero): 12.5 -> "125".
  std::string_view digits() const noexcept { return {digits_.data(), size_}; }
  /// The decimal exponent of the leading digit (0 for zero): 12.5 -> 1, 0.05 -> -2.
  int exponent() const noexcept { return exponent_; }

 private:
  static std::optional<Number> add_signed(const Number& a, const Number& b, bool b_negative,
                                          std::string& error);

  std::array<char, kMaxDigits> digits_{};
  std::uint8_t size_ = 0;
  bool negative_ = false;
  std::int16_t exponent_ = 0;
};

}  // namespace gh::plugins::dynamodb

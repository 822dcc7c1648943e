//! Numbers written in digits, read in Japanese (`2024` → `にせんにじゅーよん`), with the sound
//! changes of hundreds and thousands (`さんびゃく`, `ろっぴゃく`, `はっせん`). Long vowels are
//! written `ー`, as the reading dictionary writes pronunciations.

const DIGITS: [&str; 10] = [
    "ぜろ",
    "いち",
    "に",
    "さん",
    "よん",
    "ご",
    "ろく",
    "なな",
    "はち",
    "きゅー",
];

/// One group of four digits (1..=9999); `big`: a group before 万, 億 or 兆 (1000 is then
/// `いっせん`).
fn group(n: u64, big: bool) -> String {
    let (th, h, t, o) = (n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10);
    let digit = |d: u64| DIGITS[d as usize % 10];
    let mut s = String::new();
    match th {
        0 => {}
        1 if big => s.push_str("いっせん"),
        1 => s.push_str("せん"),
        3 => s.push_str("さんぜん"),
        8 => s.push_str("はっせん"),
        d => {
            s.push_str(digit(d));
            s.push_str("せん");
        }
    }
    match h {
        0 => {}
        1 => s.push_str("ひゃく"),
        3 => s.push_str("さんびゃく"),
        6 => s.push_str("ろっぴゃく"),
        8 => s.push_str("はっぴゃく"),
        d => {
            s.push_str(digit(d));
            s.push_str("ひゃく");
        }
    }
    if t > 0 {
        if t > 1 {
            s.push_str(digit(t));
        }
        s.push_str("じゅー");
    }
    if o > 0 {
        s.push_str(digit(o));
    }
    s
}

/// How a run of ASCII digits is read. A run with a leading zero, or too long to be a number
/// one says, is read digit by digit.
pub fn read(digits: &str) -> String {
    let one_by_one = || {
        digits
            .chars()
            .filter_map(|c| c.to_digit(10))
            .map(|d| DIGITS[d as usize])
            .collect::<String>()
    };
    if digits.is_empty() || digits.len() > 16 || (digits.len() > 1 && digits.starts_with('0')) {
        return one_by_one();
    }
    let Ok(n) = digits.parse::<u64>() else {
        return one_by_one();
    };
    if n == 0 {
        return "ぜろ".into();
    }
    let units = [
        (1_000_000_000_000u64, "ちょー"),
        (100_000_000, "おく"),
        (10_000, "まん"),
    ];
    let mut rest = n;
    let mut s = String::new();
    for (size, name) in units {
        let g = rest / size;
        if g > 0 {
            s.push_str(&group(g, true));
            s.push_str(name);
        }
        rest %= size;
    }
    s.push_str(&group(rest, false));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_said() {
        assert_eq!(read("0"), "ぜろ");
        assert_eq!(read("7"), "なな");
        assert_eq!(read("10"), "じゅー");
        assert_eq!(read("15"), "じゅーご");
        assert_eq!(read("99"), "きゅーじゅーきゅー");
        assert_eq!(read("300"), "さんびゃく");
        assert_eq!(read("680"), "ろっぴゃくはちじゅー");
        assert_eq!(read("1000"), "せん");
        assert_eq!(read("2024"), "にせんにじゅーよん");
        assert_eq!(read("8000"), "はっせん");
        assert_eq!(read("10000"), "いちまん");
        assert_eq!(read("10000000"), "いっせんまん");
        assert_eq!(
            read("123456789"),
            "いちおくにせんさんびゃくよんじゅーごまんろくせんななひゃくはちじゅーきゅー"
        );
        assert_eq!(read("007"), "ぜろぜろなな");
        assert_eq!(
            read("12345678901234567"),
            "いちにさんよんごろくななはちきゅーぜろいちにさんよんごろくなな"
        );
    }
}

//! Words of a question and of column names: tokens, their singular form, and how far apart
//! two words are (for misspellings).

/// One word, number or quoted phrase of a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Lower case, quotes removed.
    pub text: String,
    /// As typed (quotes removed).
    pub raw: String,
    /// Whether it was written in quotes: a value, never a keyword.
    pub quoted: bool,
}

impl Token {
    /// The token as a number, if it is one (`1,200` and `3.5` included).
    pub fn number(&self) -> Option<f64> {
        if self.quoted {
            return None;
        }
        let text = self.text.replace(',', "");
        let digits = text.strip_prefix('-').unwrap_or(&text);
        let numeric = !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.chars().filter(|&c| c == '.').count() <= 1
            && digits.chars().next().is_some_and(|c| c.is_ascii_digit());
        if numeric { text.parse().ok() } else { None }
    }

    /// Whether the word was typed with a capital first letter.
    pub fn capitalised(&self) -> bool {
        self.raw.chars().next().is_some_and(char::is_uppercase)
    }

    /// The singular of the word (`regions` → `region`).
    pub fn stem(&self) -> String {
        singular(&self.text)
    }
}

/// The tokens of `question`: words (apostrophes and a possessive `'s` dropped), numbers
/// (with `.`, `,` and a leading `-`), dates (`2023-01-31`, `31/01/2023`) and quoted phrases.
pub fn tokenize(question: &str) -> Vec<Token> {
    let chars: Vec<char> = question.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(end) = quoted_end(&chars, i) {
            let raw: String = chars[i + 1..end].iter().collect();
            tokens.push(Token {
                text: raw.to_lowercase(),
                raw,
                quoted: true,
            });
            i = end + 1;
        } else if c.is_alphanumeric() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            i += 1;
            while i < chars.len() && continues_word(&chars, i) {
                i += 1;
            }
            push_word(&mut tokens, chars[start..i].iter().collect());
        } else if matches!(c, '<' | '>' | '=' | '!') {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] == '=' {
                i += 1;
            }
            let raw: String = chars[start..i].iter().collect();
            tokens.push(Token {
                text: raw.clone(),
                raw,
                quoted: false,
            });
        } else {
            i += 1;
        }
    }
    tokens
}

/// Where the quoted phrase that starts at `i` ends: a `'` or `"` at the start of a word,
/// closed by the same quote at the end of one.
fn quoted_end(chars: &[char], i: usize) -> Option<usize> {
    let quote = chars[i];
    if !matches!(quote, '\'' | '"' | '‘' | '“') {
        return None;
    }
    let closing = match quote {
        '‘' => '’',
        '“' => '”',
        other => other,
    };
    if i > 0 && chars[i - 1].is_alphanumeric() {
        return None;
    }
    let end = (i + 1..chars.len()).find(|&j| chars[j] == closing)?;
    let closes_word = chars.get(end + 1).is_none_or(|next| !next.is_alphanumeric());
    (end > i + 1 && closes_word).then_some(end)
}

/// Whether the character at `i` continues the word before it: letters and digits, an
/// apostrophe or hyphen between letters, and `.`, `,`, `-`, `/`, `:` between digits.
fn continues_word(chars: &[char], i: usize) -> bool {
    let c = chars[i];
    if c.is_alphanumeric() || c == '_' {
        return true;
    }
    let before = chars[i - 1];
    let after = chars.get(i + 1).copied().unwrap_or(' ');
    match c {
        '\'' | '’' => before.is_alphabetic() && after.is_alphabetic(),
        // `2023-01-31` and `COVID-19` stay one word; `left-handed` is two.
        '-' => {
            before.is_alphanumeric() && after.is_alphanumeric() && (before.is_ascii_digit() || after.is_ascii_digit())
        }
        '.' | ',' | '/' | ':' => before.is_ascii_digit() && after.is_ascii_digit(),
        _ => false,
    }
}

fn push_word(tokens: &mut Vec<Token>, raw: String) {
    let raw = raw
        .strip_suffix("'s")
        .or_else(|| raw.strip_suffix("’s"))
        .map(str::to_owned)
        .unwrap_or(raw)
        .replace(['\'', '’'], "");
    tokens.push(Token {
        text: raw.to_lowercase(),
        raw,
        quoted: false,
    });
}

/// The words of a column name, lower case: split at anything but letters and digits and
/// at camelCase humps (`unitPrice ($)` → `unit`, `price`).
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            flush(&mut words, &mut current);
        } else {
            let hump = c.is_uppercase() && previous.is_some_and(char::is_lowercase);
            if hump {
                flush(&mut words, &mut current);
            }
            current.extend(c.to_lowercase());
        }
        previous = Some(c);
    }
    flush(&mut words, &mut current);
    words
}

/// Units written in column names that no question converts (currencies, rates,
/// temperatures); the convertible ones are in [`SIZES`].
const OTHER_UNITS: &[&str] = &[
    "mi", "t", "usd", "eur", "gbp", "pct", "pc", "ml", "l", "kwh", "kw", "w", "mph", "kmh", "kph", "deg", "degc",
    "degf", "c", "f",
];

/// Units a question or a column name may give, with the name of what they measure and
/// their size in that measure's base unit.
const SIZES: &[(&[&str], &str, f64)] = &[
    (&["mg", "milligram", "milligrams"], "mass", 0.001),
    (&["g", "gram", "grams"], "mass", 1.0),
    (&["kg", "kilogram", "kilograms", "kilo", "kilos"], "mass", 1000.0),
    (&["lb", "lbs", "pound", "pounds"], "mass", 453.592_37),
    (&["oz", "ounce", "ounces"], "mass", 28.349_523),
    (
        &["mm", "millimeter", "millimeters", "millimetre", "millimetres"],
        "length",
        0.001,
    ),
    (
        &["cm", "centimeter", "centimeters", "centimetre", "centimetres"],
        "length",
        0.01,
    ),
    (&["m", "meter", "meters", "metre", "metres"], "length", 1.0),
    (
        &["km", "kilometer", "kilometers", "kilometre", "kilometres"],
        "length",
        1000.0,
    ),
    (&["in", "inch", "inches"], "length", 0.0254),
    (&["ft", "foot", "feet"], "length", 0.3048),
    (&["ms", "millisecond", "milliseconds"], "time", 0.001),
    (&["s", "sec", "second", "seconds"], "time", 1.0),
    (&["min", "minute", "minutes"], "time", 60.0),
    (&["h", "hr", "hrs", "hour", "hours"], "time", 3600.0),
];

fn size(unit: &str) -> Option<(&'static str, f64)> {
    SIZES
        .iter()
        .find(|(names, ..)| names.contains(&unit))
        .map(|&(_, measure, size)| (measure, size))
}

/// Whether `word` names a unit (`kg`, `grams`, `inches`).
pub fn is_unit(word: &str) -> bool {
    size(word).is_some()
}

/// The factor that turns a number given in `typed` units (`kg`) into the units of the
/// column `name` (`body_mass_g`: 1,000); `None` when the name gives no unit or another
/// kind of measure. A column's unit is its last word or what its parentheses say.
pub fn conversion(typed: &str, name: &str) -> Option<f64> {
    let (measure, typed) = size(typed)?;
    let words = name_words(name);
    let unit = words
        .iter()
        .rev()
        .find_map(|word| size(word).filter(|(m, _)| *m == measure));
    let (_, column) = unit.filter(|_| words.len() > 1)?;
    Some(typed / column)
}

/// The words of a column name without its units: what is in parentheses or brackets
/// (`Culmen Length (mm)`, `Delta 15 N (o/oo)`) and unit words at its end (`body_mass_g`),
/// as long as a word is left. Questions seldom say the unit.
pub fn core_words(name: &str) -> Vec<String> {
    let mut bare = String::new();
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            c if depth == 0 => bare.push(c),
            _ => bare.push(' '),
        }
    }
    let mut words = name_words(&bare);
    if words.is_empty() {
        words = name_words(name);
    }
    // Units the name ends with (`body_mass_g`).
    while words.len() > 1
        && words
            .last()
            .is_some_and(|word| is_unit(word) || OTHER_UNITS.contains(&word.as_str()))
    {
        words.pop();
    }
    words
}

fn flush(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// Whether a column whose name has these words identifies rows rather than measuring
/// them (`order_id`, `Sample Number`, `zip code`), or has no name at all (R's row names).
pub fn is_id(words: &[String]) -> bool {
    let unnamed = words.is_empty()
        || words
            .first()
            .is_some_and(|word| word == "unnamed" || word == "rownames");
    unnamed
        || words
            .last()
            .is_some_and(|word| matches!(word.as_str(), "id" | "ids" | "key" | "uuid" | "code" | "number" | "no"))
}

/// The singular of an English word, good enough for column names (`categories` →
/// `category`, `boxes` → `box`, `sales` → `sale`; `status` and `class` stay).
pub fn singular(word: &str) -> String {
    let keeps = ["ss", "us", "is", "ics"];
    if word.chars().count() <= 3 || keeps.iter().any(|end| word.ends_with(end)) {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for end in ["sses", "xes", "ches", "shes"] {
        if word.ends_with(end) {
            return word[..word.len() - 2].to_owned();
        }
    }
    word.strip_suffix('s').unwrap_or(word).to_owned()
}

/// The Damerau-Levenshtein distance of `a` and `b` (adjacent swaps count one), or more
/// than `limit` when it is larger.
pub fn distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// How alike two names look, from 0 to 1: the share of letter pairs they have in common
/// (Dice's coefficient over bigrams of their letters and digits, case aside).
pub fn similarity(a: &str, b: &str) -> f64 {
    let pairs = |text: &str| -> Vec<(char, char)> {
        let letters: Vec<char> = text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        letters.windows(2).map(|pair| (pair[0], pair[1])).collect()
    };
    let (a, mut b) = (pairs(a), pairs(b));
    let total = a.len() + b.len();
    if total == 0 {
        return 0.0;
    }
    let mut shared = 0;
    for pair in &a {
        if let Some(at) = b.iter().position(|other| other == pair) {
            b.swap_remove(at);
            shared += 1;
        }
    }
    2.0 * f64::from(shared) / total as f64
}

/// Whether `typed` is a close misspelling of `word`: one edit for words of four to seven
/// letters, two from eight.
pub fn misspelt(typed: &str, word: &str) -> bool {
    let length = word.chars().count();
    if typed.chars().count() < 5 {
        // `car` is not `carb`, `rate` is not `rape`: a short word is too often a word of
        // its own.
        return false;
    }
    let limit = match length {
        0..=4 => return false,
        5..=7 => 1,
        _ => 2,
    };
    typed.chars().next() == word.chars().next() && distance(typed, word, limit) <= limit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(question: &str) -> Vec<String> {
        tokenize(question).into_iter().map(|token| token.text).collect()
    }

    #[test]
    fn questions_split_into_words_numbers_dates_and_quoted_phrases() {
        assert_eq!(
            texts("What's the region's total for 'New York' since 2023-03-01, over 1,200.5?"),
            [
                "what",
                "the",
                "region",
                "total",
                "for",
                "new york",
                "since",
                "2023-03-01",
                "over",
                "1,200.5"
            ]
        );
        assert_eq!(
            texts("price >= 10 and x != 3"),
            ["price", ">=", "10", "and", "x", "!=", "3"]
        );
        assert_eq!(texts("temperature below -5"), ["temperature", "below", "-5"]);
        let quoted = tokenize("contains \"Pro\"");
        assert!(quoted[1].quoted && quoted[1].raw == "Pro");
    }

    #[test]
    fn numbers_are_read_with_thousands_separators() {
        let tokens = tokenize("top 5 over 1,200.5 in 2023-01-01");
        assert_eq!(tokens[1].number(), Some(5.0));
        assert_eq!(tokens[3].number(), Some(1200.5));
        assert_eq!(tokens[5].number(), None);
    }

    #[test]
    fn column_names_split_at_separators_and_humps() {
        assert_eq!(name_words("Unit Price ($)"), ["unit", "price"]);
        assert_eq!(name_words("productName"), ["product", "name"]);
        assert_eq!(name_words("QTY_in_stock"), ["qty", "in", "stock"]);
    }

    #[test]
    fn units_are_dropped_from_the_core_of_a_name() {
        assert_eq!(core_words("Culmen Length (mm)"), ["culmen", "length"]);
        assert_eq!(core_words("body_mass_g"), ["body", "mass"]);
        assert_eq!(core_words("Delta 15 N (o/oo)"), ["delta", "15", "n"]);
        assert_eq!(core_words("Price [USD]"), ["price"]);
        assert_eq!(core_words("(mm)"), ["mm"]);
        assert_eq!(core_words("m"), ["m"]);
        assert_eq!(core_words("region"), ["region"]);
    }

    #[test]
    fn numbers_in_other_units_are_converted_to_the_columns() {
        assert_eq!(conversion("kg", "body_mass_g"), Some(1000.0));
        assert_eq!(conversion("cm", "Flipper Length (mm)"), Some(10.0));
        assert_eq!(conversion("mm", "flipper_length_mm"), Some(1.0));
        assert_eq!(conversion("kg", "flipper_length_mm"), None);
        assert_eq!(conversion("kg", "weight"), None);
        assert_eq!(conversion("units", "body_mass_g"), None);
    }

    #[test]
    fn plurals_become_singular() {
        for (plural, one) in [
            ("regions", "region"),
            ("categories", "category"),
            ("boxes", "box"),
            ("status", "status"),
            ("sales", "sale"),
            ("units", "unit"),
            ("age", "age"),
        ] {
            assert_eq!(singular(plural), one);
        }
    }

    #[test]
    fn close_misspellings_are_recognised() {
        assert!(misspelt("revnue", "revenue"));
        assert!(misspelt("pirce", "price"));
        assert!(misspelt("assualt", "assault"));
        assert!(misspelt("temprature", "temperature"));
        assert!(!misspelt("rice", "price"));
        assert!(!misspelt("age", "ago"));
        assert!(!misspelt("car", "carb"));
        assert!(!misspelt("rate", "rape"));
        assert_eq!(distance("kitten", "sitting", 5), 3);
    }
}

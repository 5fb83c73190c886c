//! A question as the parser reads it: its tokens, the columns they name, and which tokens
//! a rule has already used.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::super::columns::{Columns, Fit, Mention};
use super::super::words::{Token, distance, tokenize};
use crate::table::ColumnKind;

/// Words that are never a value of a column (filler and the parser's own keywords),
/// separated by spaces.
const VOCABULARY: &str = "\
     a about above across after all also am an and any are as ascending at average avg bar be been \
     before below best between biggest bottom broken but by can change chart cheapest column columns \
     compare compared contain containing contains correlated correlation count data dataset day daily \
     desc descending describe did different distinct distribution do does down each entries every file \
     first for from give graph greatest group grouped had has have highest histogram how i in including \
     instead is it its just largest last least line list look lowest many max maximum me mean median min \
     minimum month monthly most much my now number of on only or order over overall per pie please plot \
     records rows row same scatter show since smallest sort sum table tell than that the their them then \
     there these this those through to top total trend under unique until value values vs versus was we \
     week weekly were what when where which who whose with within without year yearly you hour hourly \
     time overview summary summarize statistics stats missing null nulls empty blank during ones one \
     results result answer again ok okay so get see find want would like could should will relationship \
     related spread distributed evolution evolve evolved changed trends sorted alphabetically \
     alphabetical expensive fewest frequent common popular worst higher lower more less fewer greater \
     larger smaller bigger exceeding exceeds equal equals not except excluding other std deviation \
     standard typical preview sample head percent anything sql query queries code method technical \
     explain detail details step compute computed calculate calculated dollars euros general thanks \
     hello hi percentage proportion share fraction ratio often come comes grams gram kilograms kilogram \
     kilos kg millimeters millimetres millimeter mm centimeters centimetres cm meters metres km \
     kilometers kilometres inches inch feet foot pounds pound lbs ounces seconds minutes hours celsius \
     fahrenheit degrees";

/// Words of questions worth correcting when misspelt (`wich`, `avrage`, `higest`): five
/// letters or more, as a shorter word is too often another word (`snow` is not `show`).
const CORRECTED: &[&str] = &[
    "which",
    "average",
    "highest",
    "lowest",
    "median",
    "maximum",
    "minimum",
    "total",
    "count",
    "number",
    "distribution",
    "correlation",
    "between",
    "greater",
    "smaller",
    "largest",
    "smallest",
    "biggest",
    "heaviest",
    "lightest",
    "longest",
    "shortest",
    "tallest",
    "oldest",
    "youngest",
    "every",
    "where",
    "standard",
    "deviation",
    "missing",
    "distinct",
    "unique",
    "across",
    "compare",
];

/// The words of [`VOCABULARY`], as a set.
fn vocabulary() -> &'static HashSet<&'static str> {
    static WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| VOCABULARY.split_whitespace().collect());
    &WORDS
}

/// Something a question names that the data does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmatched {
    /// Words where a column's name was expected (`average body mass` with no such column).
    Column(String),
    /// A value no column holds (`on Mars`).
    Value(String),
    /// A computation the analyst does not make (`percentile`, `forecast`).
    Operation(String),
    /// A value that several columns hold, none of them named (`Left`: `W.Hnd` or `Clap`).
    Ambiguous(String, Vec<String>),
}

/// The tokens of a question and the columns they name.
pub struct Reader<'a> {
    /// The columns of `data`.
    pub columns: &'a Columns,
    /// The tokens.
    pub tokens: Vec<Token>,
    /// The columns named, left to right.
    pub mentions: Vec<Mention>,
    /// What the question names that the data does not have.
    pub unmatched: Vec<Unmatched>,
    used: Vec<bool>,
    used_mentions: Vec<usize>,
}

impl<'a> Reader<'a> {
    /// Reads `question` against `columns`.
    pub fn new(question: &str, columns: &'a Columns) -> Self {
        let mut tokens = tokenize(question);
        let mentions = columns.mentions(&tokens);
        for (i, token) in tokens.iter_mut().enumerate() {
            let named = mentions.iter().any(|mention| (mention.start..mention.end).contains(&i));
            if named || token.quoted || vocabulary().contains(token.text.as_str()) {
                continue;
            }
            if columns.value_at(std::slice::from_ref(token), 0).is_some() {
                continue;
            }
            let slip = |word: &str| {
                token.text.chars().count() >= 4
                    && token.text.chars().next() == word.chars().next()
                    && distance(&token.text, word, 1) <= 1
            };
            if let Some(word) = CORRECTED.iter().find(|word| slip(word)) {
                token.text = (*word).to_owned();
            }
        }
        Self {
            columns,
            used: vec![false; tokens.len()],
            tokens,
            mentions,
            unmatched: Vec::new(),
            used_mentions: Vec::new(),
        }
    }

    /// Whether the question has no tokens.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The lower-case text of token `i` (empty past the end).
    pub fn word(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |token| token.text.as_str())
    }

    /// Whether token `i` is one of `words` (and not quoted).
    pub fn is(&self, i: usize, words: &[&str]) -> bool {
        self.tokens
            .get(i)
            .is_some_and(|token| !token.quoted && words.contains(&token.text.as_str()))
    }

    /// Whether the tokens from `i` spell `phrase`.
    pub fn phrase_at(&self, i: usize, phrase: &[&str]) -> bool {
        phrase.iter().enumerate().all(|(k, word)| self.is(i + k, &[word]))
    }

    /// Where `phrase` first starts among unused tokens.
    pub fn find(&self, phrase: &[&str]) -> Option<usize> {
        (0..self.len()).find(|&i| self.phrase_at(i, phrase) && !self.used[i])
    }

    /// Whether any of `words` is a token.
    pub fn has(&self, words: &[&str]) -> bool {
        (0..self.len()).any(|i| self.is(i, words))
    }

    /// Whether any of `phrases` appears.
    pub fn has_phrase(&self, phrases: &[&[&str]]) -> bool {
        phrases.iter().any(|phrase| self.find(phrase).is_some())
    }

    /// Marks tokens `range` as used by a rule.
    pub fn take(&mut self, range: std::ops::Range<usize>) {
        for i in range {
            if let Some(used) = self.used.get_mut(i) {
                *used = true;
            }
        }
    }

    /// Whether token `i` was used by a rule.
    pub fn used(&self, i: usize) -> bool {
        self.used.get(i).copied().unwrap_or(true)
    }

    /// The mention that starts at token `i`.
    pub fn mention_at(&self, i: usize) -> Option<(usize, &Mention)> {
        self.mentions.iter().enumerate().find(|(_, mention)| mention.start == i)
    }

    /// The mention that ends just before token `i`.
    pub fn mention_before(&self, i: usize) -> Option<(usize, &Mention)> {
        self.mentions.iter().enumerate().find(|(_, mention)| mention.end == i)
    }

    /// The mention covering token `i`.
    pub fn mention_covering(&self, i: usize) -> Option<(usize, &Mention)> {
        self.mentions
            .iter()
            .enumerate()
            .find(|(_, mention)| (mention.start..mention.end).contains(&i))
    }

    /// Uses mention `m` (and its tokens); returns its column's name.
    pub fn take_mention(&mut self, m: usize) -> String {
        let mention = self.mentions[m].clone();
        self.take(mention.start..mention.end);
        if !self.used_mentions.contains(&m) {
            self.used_mentions.push(m);
        }
        self.columns.name(mention.column).to_owned()
    }

    /// The mentions no rule has used yet, in order.
    pub fn free_mentions(&self) -> Vec<usize> {
        (0..self.mentions.len())
            .filter(|&m| !self.used_mentions.contains(&m) && !self.used(self.mentions[m].start))
            .collect()
    }

    /// The kind of the column of mention `m`.
    pub fn mention_kind(&self, m: usize) -> ColumnKind {
        self.columns.kind(self.mentions[m].column)
    }

    /// Whether token `i` is a known word of questions (never a value).
    pub fn known(&self, i: usize) -> bool {
        let text = self.word(i);
        vocabulary().contains(text) || super::dates::month(text).is_some()
    }

    /// Whether token `i` is a word that no rule explains: not used, not in a column's name,
    /// not a word the parser knows, not a number nor filler.
    pub fn unexplained(&self, i: usize) -> bool {
        const FILLER: &[&str] = &[
            "the", "a", "an", "of", "for", "in", "on", "at", "to", "is", "are", "was", "were", "be", "been", "by",
            "with", "and", "or", "what", "whats", "which", "who", "how", "me", "us", "our", "there", "here", "do",
            "does", "did", "has", "have", "had", "give", "show", "tell", "find", "list", "all", "any", "some", "each",
            "every", "per", "among", "between", "across", "please", "can", "could", "would", "you", "your", "i", "is",
            "it", "its", "that", "this", "these", "those", "them", "they", "their", "we", "from", "as",
        ];
        let Some(token) = self.tokens.get(i) else {
            return false;
        };
        !self.used(i)
            && self.mention_covering(i).is_none()
            && !token.quoted
            && token.number().is_none()
            && token.text.chars().count() >= 3
            && token.text.chars().all(|c| c.is_alphabetic() || c == '-')
            && !self.known(i)
            && !FILLER.contains(&token.text.as_str())
    }

    /// The words of tokens `range` as typed, joined by spaces.
    pub fn typed(&self, range: std::ops::Range<usize>) -> String {
        let words: Vec<&str> = self.tokens[range].iter().map(|token| token.raw.as_str()).collect();
        words.join(" ")
    }

    /// The unexplained words from token `i` on (`body mass`), if `i` starts some.
    pub fn unexplained_at(&self, i: usize) -> Option<String> {
        let end = (i..self.len()).find(|&k| !self.unexplained(k)).unwrap_or(self.len());
        (end > i).then(|| self.typed(i..end))
    }

    /// Where the run of unexplained words just before token `i` starts (`i` when there is
    /// none).
    pub fn unexplained_before(&self, i: usize) -> usize {
        (0..i).rev().take_while(|&k| self.unexplained(k)).last().unwrap_or(i)
    }

    /// The first run of unexplained words, if the question has one.
    pub fn first_unexplained(&self) -> Option<String> {
        let head = |i: usize| i > 0 && self.is(i - 1, &["which", "what", "whats", "many", "each", "every", "per"]);
        let runs = || (0..self.len()).filter(|&i| i == 0 || !self.unexplained(i - 1));
        // The noun of `which state has …` names the rows; the measure's words come after.
        runs()
            .filter(|&i| !head(i))
            .find_map(|i| self.unexplained_at(i))
            .or_else(|| runs().find_map(|i| self.unexplained_at(i)))
    }

    /// Whether the question is written in title case (`What's The Average Rate?`): then a
    /// capital letter does not mark a name.
    pub fn title_case(&self) -> bool {
        let words: Vec<&Token> = self
            .tokens
            .iter()
            .filter(|token| !token.quoted && token.text.chars().all(char::is_alphabetic))
            .collect();
        let capitalised = words.iter().filter(|token| token.capitalised()).count();
        words.len() >= 3 && capitalised * 4 >= words.len() * 3
    }

    /// Sentences about the columns the answer used where the choice was not obvious:
    /// several columns fit, or the question misspelt or paraphrased a name.
    pub fn column_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for &m in &self.used_mentions {
            let mention = &self.mentions[m];
            let typed = self.typed(mention.start..mention.end);
            let chosen = self.columns.name(mention.column);
            if !mention.others.is_empty() {
                let others: Vec<String> = mention
                    .others
                    .iter()
                    .map(|&other| format!("`{}`", self.columns.name(other)))
                    .collect();
                let fits = if others.len() == 1 { "also fits" } else { "also fit" };
                notes.push(format!(
                    "By \"{typed}\" I took `{chosen}` ({} {fits}).",
                    join_words(&others, "and")
                ));
            } else if mention.fit == Fit::Loose || (mention.fit == Fit::Part && !self.spelt(mention)) {
                notes.push(format!("I read \"{typed}\" as `{chosen}`."));
            }
        }
        notes
    }
}

impl Reader<'_> {
    /// Whether a one-word mention is spelt as a word of its column's name.
    fn spelt(&self, mention: &Mention) -> bool {
        let words = self.columns.words(mention.column);
        self.tokens[mention.start..mention.end]
            .iter()
            .all(|token| words.contains(&token.stem()) || words.contains(&token.text))
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_words(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., final_item] => format!("{} {last} {final_item}", rest.join(", ")),
    }
}

//! Crisis-language screening of what a member writes (check-in notes, goals,
//! encouragement, help requests, ...).
//!
//! The screen only decides whether to show the *author* crisis resources at
//! once. Nothing is blocked or hidden because of it, nobody else is shown
//! the text for it, and the text is never logged.
//!
//! The phrases are data (`crisis_terms.txt`, compiled in); the rules are in
//! [`screen`]. Recall and the false-positive rate on a labelled set of
//! phrases are measured by the integration tests and recorded in
//! `docs/SAFETY.md`.

use std::sync::LazyLock;

use crate::safety::{CrisisLine, crisis_lines};

/// The outcome for one piece of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Risk {
    /// Nothing found.
    None,
    /// Crisis language: show the author crisis resources now.
    High,
}

impl Risk {
    pub fn is_high(self) -> bool {
        self == Self::High
    }

    /// The crisis lines to put in an API answer, when the text needs them.
    pub fn resources(self) -> Option<&'static [CrisisLine]> {
        self.is_high().then(crisis_lines)
    }
}

/// Screens several fields of one submission together.
pub fn screen_all<'a>(texts: impl IntoIterator<Item = &'a str>) -> Risk {
    if texts.into_iter().any(|t| screen(t).is_high()) {
        Risk::High
    } else {
        Risk::None
    }
}

/// One phrase as words; a word ending in `*` matches any word it begins.
type Phrase = Vec<String>;

struct Terms {
    direct: Vec<Phrase>,
    means: Vec<Phrase>,
    cue: Vec<Phrase>,
    negation: Vec<Phrase>,
    unnegate: Vec<Phrase>,
    past: Vec<Phrase>,
    safe: Vec<Phrase>,
}

static TERMS: LazyLock<Terms> = LazyLock::new(|| parse_terms(include_str!("crisis_terms.txt")));

/// How far back (in words) a negation or a past marker reaches.
const WINDOW: usize = 4;

fn parse_terms(source: &str) -> Terms {
    let mut terms = Terms {
        direct: Vec::new(),
        means: Vec::new(),
        cue: Vec::new(),
        negation: Vec::new(),
        unnegate: Vec::new(),
        past: Vec::new(),
        safe: Vec::new(),
    };
    let mut section = "";
    for line in source.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = match name {
                "direct" | "means" | "cue" | "negation" | "unnegate" | "past" | "safe" => name,
                _ => "",
            };
            continue;
        }
        let phrase: Phrase = line
            .split_whitespace()
            .map(|w| {
                let star = w.ends_with('*');
                let mut word = words(w.trim_end_matches('*')).concat();
                if star {
                    word.push('*');
                }
                word
            })
            .collect();
        let list = match section {
            "direct" => &mut terms.direct,
            "means" => &mut terms.means,
            "cue" => &mut terms.cue,
            "negation" => &mut terms.negation,
            "unnegate" => &mut terms.unnegate,
            "past" => &mut terms.past,
            "safe" => &mut terms.safe,
            _ => continue,
        };
        if !phrase.is_empty() {
            list.push(phrase);
        }
    }
    terms
}

/// Lower-case words: apostrophes dropped, anything else that is not a
/// letter or a digit separates words.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c == '\'' || c == '\u{2019}' || c == '\u{2018}' {
            continue;
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn word_matches(pattern: &str, word: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => pattern == word,
    }
}

fn matches_at(phrase: &Phrase, words: &[String], at: usize) -> bool {
    words.len() >= at + phrase.len()
        && phrase
            .iter()
            .zip(&words[at..])
            .all(|(p, w)| word_matches(p, w))
}

/// Every `(start, end)` where one of `phrases` occurs.
fn find(phrases: &[Phrase], words: &[String]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for at in 0..words.len() {
        for phrase in phrases {
            if matches_at(phrase, words, at) {
                found.push((at, at + phrase.len()));
            }
        }
    }
    found
}

fn any_in(phrases: &[Phrase], words: &[String], from: usize, to: usize) -> Option<usize> {
    let to = to.min(words.len());
    (from..to).find(|&at| {
        phrases
            .iter()
            .any(|p| matches_at(p, words, at) && at + p.len() <= to)
    })
}

/// Screens one text. High when a direct phrase occurs that is not negated,
/// in the past, or part of an ordinary phrase; or when a means of harm and a
/// cue of access, quantity or timing occur together (or a count of pills).
pub fn screen(text: &str) -> Risk {
    let terms = &*TERMS;
    let sentences: Vec<Vec<String>> = text
        .split(['.', '!', '?', ';', '\n'])
        .map(words)
        .filter(|w| !w.is_empty())
        .collect();
    let mut means = false;
    let mut cue = false;
    for words in &sentences {
        let safe = find(&terms.safe, words);
        for (start, end) in find(&terms.direct, words) {
            if safe.iter().any(|&(s, e)| s <= start && end <= e) {
                continue;
            }
            let before = start.saturating_sub(WINDOW);
            let negated = any_in(&terms.negation, words, before, start)
                .is_some_and(|neg| any_in(&terms.unnegate, words, neg + 1, start).is_none());
            let past = any_in(&terms.past, words, before, start).is_some()
                || any_in(&terms.past, words, end, end + WINDOW).is_some();
            if !negated && !past {
                return Risk::High;
            }
        }
        let means_here = find(&terms.means, words);
        // "40 pills": a count of ten or more right before a means.
        if means_here
            .iter()
            .any(|&(s, _)| s > 0 && words[s - 1].parse::<u32>().is_ok_and(|n| n >= 10))
        {
            return Risk::High;
        }
        means |= !means_here.is_empty();
        cue |= !find(&terms.cue, words).is_empty();
    }
    if means && cue { Risk::High } else { Risk::None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_apostrophes_and_fold_case() {
        assert_eq!(words("I'm NOT—fine, don’t"), ["im", "not", "fine", "dont"]);
    }

    #[test]
    fn the_term_lists_are_all_read() {
        let t = &*TERMS;
        for list in [
            &t.direct,
            &t.means,
            &t.cue,
            &t.negation,
            &t.unnegate,
            &t.past,
            &t.safe,
        ] {
            assert!(!list.is_empty());
        }
    }

    #[test]
    fn negation_and_its_exceptions() {
        assert_eq!(screen("I'm not suicidal anymore."), Risk::None);
        assert_eq!(screen("I can't stop thinking about suicide"), Risk::High);
        assert_eq!(screen("I want to die"), Risk::High);
        assert_eq!(
            screen("I don't want to die, I want to get better"),
            Risk::None
        );
        assert_eq!(screen("Walked for suicide prevention today"), Risk::None);
    }

    #[test]
    fn means_need_a_cue_or_a_count() {
        assert_eq!(screen("Picked up my pills at the pharmacy"), Risk::None);
        assert_eq!(
            screen("I have a whole bottle of pills saved up"),
            Risk::High
        );
        assert_eq!(screen("took 40 pills"), Risk::High);
    }
}

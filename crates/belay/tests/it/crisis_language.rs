//! The crisis-language screen against a labelled set of phrases written for
//! this test (`data/crisis_phrases.tsv`): recall on the high-risk phrases
//! and the false-positive rate on ordinary recovery talk. The figures are
//! printed (run with `--nocapture`) and recorded in `docs/SAFETY.md`.

use belay::safety::screen::screen;

/// Recall on high-risk phrases must be at least this.
const RECALL_MIN: f64 = 0.95;
/// And at most this share of ordinary phrases may be flagged.
const FALSE_POSITIVE_MAX: f64 = 0.10;

#[test]
fn the_screen_meets_its_recall_and_false_positive_targets() {
    let set = include_str!("data/crisis_phrases.tsv");
    let mut high = 0;
    let mut caught = 0;
    let mut ordinary = 0;
    let mut flagged = 0;
    let mut missed = Vec::new();
    let mut false_alarms = Vec::new();
    for line in set
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (label, phrase) = line.split_once('\t').expect("label<TAB>phrase");
        let hit = screen(phrase).is_high();
        match label {
            "high" => {
                high += 1;
                if hit {
                    caught += 1;
                } else {
                    missed.push(phrase);
                }
            }
            "ordinary" => {
                ordinary += 1;
                if hit {
                    flagged += 1;
                    false_alarms.push(phrase);
                }
            }
            other => panic!("unknown label {other}"),
        }
    }
    assert!(high + ordinary >= 200, "the set needs at least 200 phrases");
    assert!(high >= 100 && ordinary >= 100);
    let recall = f64::from(caught) / f64::from(high);
    let fp_rate = f64::from(flagged) / f64::from(ordinary);
    println!(
        "crisis screen: {high} high-risk, {ordinary} ordinary; recall {recall:.3} ({caught}/{high}); false positives {fp_rate:.3} ({flagged}/{ordinary})"
    );
    println!("missed: {missed:#?}");
    println!("false alarms: {false_alarms:#?}");
    assert!(
        recall >= RECALL_MIN,
        "recall {recall:.3}; missed {missed:#?}"
    );
    assert!(
        fp_rate <= FALSE_POSITIVE_MAX,
        "false positives {fp_rate:.3}: {false_alarms:#?}"
    );
}

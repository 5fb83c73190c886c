//! The prompts of `prompts/` (one file per decision, compiled in) and their version,
//! recorded with every run. Placeholders are `{name}`, filled by [`fill`].

/// The version of the prompts, from `prompts/VERSION`.
pub const VERSION: &str = include_str!("../../prompts/VERSION").trim_ascii();

/// Sent with every call.
pub const SYSTEM: &str = include_str!("../../prompts/system.md");
/// TECHNICAL or QUICK.
pub const MODE: &str = include_str!("../../prompts/mode.md");
/// ADVISORY or EXPLORATORY.
pub const ROUTE: &str = include_str!("../../prompts/route.md");
/// An answer without a query.
pub const ADVISE: &str = include_str!("../../prompts/advise.md");
/// Subtasks.
pub const DECOMPOSE: &str = include_str!("../../prompts/decompose.md");
/// What a subtask needs.
pub const CLASSIFY: &str = include_str!("../../prompts/classify.md");
/// A subtask's plan.
pub const PLAN: &str = include_str!("../../prompts/plan.md");
/// A subtask's query.
pub const QUERY: &str = include_str!("../../prompts/query.md");
/// What the query prompt adds when the previous query failed.
pub const DEBUG: &str = include_str!("../../prompts/debug.md");
/// Whether a result answers.
pub const REVIEW: &str = include_str!("../../prompts/review.md");
/// The sentence about a result.
pub const REPORT: &str = include_str!("../../prompts/report.md");
/// The chart of a result.
pub const CHART: &str = include_str!("../../prompts/chart.md");
/// A subtask answered without a query.
pub const DIRECT: &str = include_str!("../../prompts/direct.md");

/// `template` with each `{key}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |text, (key, value)| {
        text.replace(&format!("{{{key}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checksum of the prompt files of this [`VERSION`]: a test fails when a prompt
    /// changes without a new version.
    const CHECKSUM: u64 = 11_009_645_327_939_338_023;

    const ALL: [&str; 13] = [
        SYSTEM, MODE, ROUTE, ADVISE, DECOMPOSE, CLASSIFY, PLAN, QUERY, DEBUG, REVIEW, REPORT, CHART, DIRECT,
    ];

    /// FNV-1a over every prompt, in order.
    fn checksum() -> u64 {
        ALL.iter()
            .flat_map(|prompt| prompt.bytes().chain([0]))
            .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            })
    }

    #[test]
    fn a_changed_prompt_needs_a_new_version() {
        assert_eq!(
            checksum(),
            CHECKSUM,
            "a prompt changed: bump prompts/VERSION (now {VERSION}) and set CHECKSUM to {}",
            checksum()
        );
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(fill("Task: {task} ({task})", &[("task", "x")]), "Task: x (x)");
        for prompt in ALL {
            assert!(!prompt.trim().is_empty());
        }
    }
}

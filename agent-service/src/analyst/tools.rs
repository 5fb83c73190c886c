//! The tools the model calls: its actions (run the guarded SQL, make a chart from a typed
//! intent) and its structured decisions (mode, route, subtasks, what a subtask needs, a
//! plan, a review). Each has a JSON Schema the model sees and a typed form its arguments
//! are read into; arguments that do not fit get one repair round (see `super::Llm::decide`).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::chart::ChartIntent;
use crate::llm::Tool;
use crate::provider::{Mode, Review, Route, TaskKind};

/// A tool whose arguments are read as `Self`.
pub trait Decision: DeserializeOwned {
    /// The tool.
    fn tool() -> Tool;
    /// A rule the schema cannot say, checked after reading.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// `choose_mode`.
#[derive(Debug, Deserialize)]
pub struct ModeArgs {
    /// The mode.
    pub mode: Mode,
}

impl Decision for ModeArgs {
    fn tool() -> Tool {
        Tool {
            name: "choose_mode",
            description: "Says how deep the answer should go.",
            schema: json!({"type": "object", "properties": {
                "mode": {"type": "string", "enum": ["TECHNICAL", "QUICK"]}},
                "required": ["mode"]}),
        }
    }
}

/// `choose_route`.
#[derive(Debug, Deserialize)]
pub struct RouteArgs {
    /// The route.
    pub route: Route,
}

impl Decision for RouteArgs {
    fn tool() -> Tool {
        Tool {
            name: "choose_route",
            description: "Says whether the question needs a query over the data.",
            schema: json!({"type": "object", "properties": {
                "route": {"type": "string", "enum": ["ADVISORY", "EXPLORATORY"]}},
                "required": ["route"]}),
        }
    }
}

/// `split_subtasks`.
#[derive(Debug, Deserialize)]
pub struct SubtasksArgs {
    /// The subtasks.
    pub subtasks: Vec<String>,
}

impl Decision for SubtasksArgs {
    fn tool() -> Tool {
        Tool {
            name: "split_subtasks",
            description: "Lists the independent subtasks of the question, each answerable by one query.",
            schema: json!({"type": "object", "properties": {
                "subtasks": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                             "maxItems": crate::analysis::MAX_TASKS}},
                "required": ["subtasks"]}),
        }
    }

    fn check(&self) -> Result<(), String> {
        if self.subtasks.iter().all(|task| task.trim().is_empty()) {
            return Err("`subtasks` needs at least one non-empty subtask".into());
        }
        Ok(())
    }
}

/// `classify_subtask`.
#[derive(Debug, Deserialize)]
pub struct KindArgs {
    /// What the subtask needs.
    pub kind: TaskKind,
}

impl Decision for KindArgs {
    fn tool() -> Tool {
        Tool {
            name: "classify_subtask",
            description: "Says what the subtask needs.",
            schema: json!({"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["ANALYSIS", "VISUALIZATION", "DIRECT"]}},
                "required": ["kind"]}),
        }
    }
}

/// `write_plan`.
#[derive(Debug, Deserialize)]
pub struct PlanArgs {
    /// The plan.
    pub plan: String,
}

impl Decision for PlanArgs {
    fn tool() -> Tool {
        Tool {
            name: "write_plan",
            description: "Records the plan of the subtask's query.",
            schema: json!({"type": "object", "properties": {"plan": {"type": "string"}}, "required": ["plan"]}),
        }
    }
}

/// `run_sql`.
#[derive(Debug, Deserialize)]
pub struct SqlArgs {
    /// The query.
    pub sql: String,
}

impl Decision for SqlArgs {
    fn tool() -> Tool {
        Tool {
            name: "run_sql",
            description: "Runs one SELECT over the table `data` (guarded: no table functions, no other \
                          tables, a row cap and a deadline) and returns its result.",
            schema: json!({"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"]}),
        }
    }

    fn check(&self) -> Result<(), String> {
        if self.sql.trim().is_empty() {
            return Err("`sql` is empty".into());
        }
        Ok(())
    }
}

/// `review_result`.
#[derive(Debug, Deserialize)]
pub struct ReviewArgs {
    /// Whether the result answers.
    pub answers: bool,
    /// Why not.
    #[serde(default)]
    pub reason: String,
}

impl Decision for ReviewArgs {
    fn tool() -> Tool {
        Tool {
            name: "review_result",
            description: "Says whether the result answers the subtask, and why not when it does not.",
            schema: json!({"type": "object", "properties": {
                "answers": {"type": "boolean"}, "reason": {"type": "string"}},
                "required": ["answers", "reason"]}),
        }
    }

    fn check(&self) -> Result<(), String> {
        if !self.answers && self.reason.trim().is_empty() {
            return Err("a result that does not answer needs a `reason`".into());
        }
        Ok(())
    }
}

impl From<ReviewArgs> for Review {
    fn from(args: ReviewArgs) -> Self {
        Self {
            answers: args.answers,
            reason: args.reason,
        }
    }
}

impl Decision for ChartIntent {
    fn tool() -> Tool {
        let column = json!({"type": "string", "description": "a column of the result, exactly"});
        Tool {
            name: "make_chart",
            description: "Draws the result as a chart (Vega-Lite on the client, a PNG for others).",
            schema: json!({"type": "object", "properties": {
                "mark": {"type": "string", "enum": ["bar", "line", "point", "area", "histogram"]},
                "x": column, "y": column, "color": column,
                "aggregate": {"type": "string", "enum": ["count", "sum", "mean", "median", "min", "max"]},
                "sort": {"type": "string", "enum": ["x_ascending", "x_descending", "y_ascending", "y_descending"]},
                "title": {"type": "string"}},
                "required": ["mark", "x", "title"]}),
        }
    }
}

/// `arguments` (the model's JSON text) read as `T` and checked.
pub fn read<T: Decision>(arguments: &str) -> Result<T, String> {
    let value: Value = serde_json::from_str(if arguments.trim().is_empty() { "{}" } else { arguments })
        .map_err(|error| format!("the arguments are not valid JSON: {error}"))?;
    let value = without_nulls(value);
    let decision: T = serde_json::from_value(value)
        .map_err(|error| format!("the arguments do not fit the schema of `{}`: {error}", T::tool().name))?;
    decision.check()?;
    Ok(decision)
}

/// Fields a model set to `null` are left out (optional fields then take their default).
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.into_iter().filter(|(_, value)| !value.is_null()).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_read_typed_and_checked() {
        let mode: ModeArgs = read(r#"{"mode": "QUICK"}"#).expect("mode");
        assert_eq!(mode.mode, Mode::Quick);
        assert!(read::<ModeArgs>(r#"{"mode": "FAST"}"#).is_err_and(|error| error.contains("choose_mode")));
        assert!(read::<SqlArgs>(r#"{"sql": "SELECT"#).is_err_and(|error| error.contains("not valid JSON")));
        assert!(read::<SqlArgs>(r#"{"sql": "  "}"#).is_err_and(|error| error.contains("empty")));
        assert!(read::<ReviewArgs>(r#"{"answers": false}"#).is_err_and(|error| error.contains("reason")));
        let chart: ChartIntent = read(r#"{"mark": "bar", "x": "region", "y": "total", "color": null, "title": "t"}"#)
            .expect("nulls are left out");
        assert_eq!(chart.color, None);
    }
}

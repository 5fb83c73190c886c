//! The rule against building huge strings: `LPAD(text, length, fill)` and `RPAD` build
//! strings of `length` characters, `REPEAT(text, count)` of `count` times `text`, for
//! every row. Polars allocates them whole (`LPAD('x', 100000000)` over ten rows took a
//! gigabyte and 1.6 s, inside one step a deadline cannot interrupt), so a length or count
//! must be a number written in the query and build at most [`MAX_BUILT_CHARS`]
//! characters. Polars has no REPEAT today; it is refused the same way in case a later
//! version has one.
//!
//! This bounds what one call builds, also one call nested in another (`REPEAT(LPAD(...),
//! n)` counts the product). It does not bound strings in general: `REPEAT` of a column
//! builds `count` times its longest value, and `s || s`, applied in a chain of CTEs,
//! doubles a string at each step without any of these functions.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectNamePart, UnaryOperator, Value,
};

use super::{SqlError, refused};

/// Most characters one LPAD, RPAD or REPEAT may build, per row.
pub(super) const MAX_BUILT_CHARS: u64 = 10_000;

/// How a string-building function uses its second argument.
#[derive(Clone, Copy)]
enum Builder {
    /// `LPAD`, `RPAD`: the length of the result.
    Pad,
    /// `REPEAT`: how many times the first argument is repeated.
    Repeat,
}

/// Refuses `expr` when it is an LPAD, RPAD or REPEAT whose length is not a number written
/// in the query, or builds more than [`MAX_BUILT_CHARS`] characters.
pub(super) fn check(expr: &Expr) -> ControlFlow<SqlError> {
    match expr {
        Expr::Function(function) => match built(function) {
            Err(error) => ControlFlow::Break(error),
            Ok(_) => ControlFlow::Continue(()),
        },
        _ => ControlFlow::Continue(()),
    }
}

/// The longest string `function` builds, if it is a builder and its arguments are
/// allowed (`Ok(None)` when it is no builder).
fn built(function: &Function) -> Result<Option<u64>, SqlError> {
    let Some(builder) = builder(function) else {
        return Ok(None);
    };
    let name = function.name.to_string().to_uppercase();
    let arguments = arguments(function);
    // Fewer arguments: Polars refuses the call itself.
    let Some(size) = arguments.get(1) else {
        return Ok(Some(0));
    };
    let count = literal_count(size).ok_or_else(|| {
        refused(format!(
            "the length given to `{name}` must be a number written in the query (at most {MAX_BUILT_CHARS}), \
             not `{size}`"
        ))
    })?;
    let length = match builder {
        Builder::Pad => count,
        // A text of unknown length counts as one character: see the module's docs.
        Builder::Repeat => count.saturating_mul(
            arguments
                .first()
                .map_or(Ok(Some(1)), |text| longest(text))?
                .unwrap_or(1),
        ),
    };
    if length > MAX_BUILT_CHARS {
        return Err(refused(format!(
            "`{name}` would build strings of {length} characters; at most {MAX_BUILT_CHARS} can be built"
        )));
    }
    Ok(Some(length))
}

/// The longest string `expr` can be, when the query alone tells: a string literal, or a
/// builder's result.
fn longest(expr: &Expr) -> Result<Option<u64>, SqlError> {
    match expr {
        Expr::Nested(inner) => longest(inner),
        Expr::Value(value) => Ok(match &value.value {
            Value::SingleQuotedString(text) | Value::DoubleQuotedString(text) => {
                u64::try_from(text.chars().count()).ok()
            }
            _ => None,
        }),
        Expr::Function(function) => built(function),
        _ => Ok(None),
    }
}

/// Which builder `function` is: any part of its name, in any case (Polars resolves
/// functions by the first part).
fn builder(function: &Function) -> Option<Builder> {
    function.name.0.iter().find_map(|part| match part {
        ObjectNamePart::Identifier(ident) => match ident.value.to_lowercase().as_str() {
            "lpad" | "rpad" => Some(Builder::Pad),
            "repeat" => Some(Builder::Repeat),
            _ => None,
        },
        _ => None,
    })
}

/// The arguments of `function` that are expressions, in order, named or not.
fn arguments(function: &Function) -> Vec<&Expr> {
    let FunctionArguments::List(list) = &function.args else {
        return Vec::new();
    };
    list.args
        .iter()
        .filter_map(|argument| match argument {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(expr))
            | FunctionArg::Named {
                arg: FunctionArgExpr::Expr(expr),
                ..
            }
            | FunctionArg::ExprNamed {
                arg: FunctionArgExpr::Expr(expr),
                ..
            } => Some(expr),
            _ => None,
        })
        .collect()
}

/// The count a number literal asks for (a negative one or NULL builds nothing); `None`
/// for anything else.
fn literal_count(expr: &Expr) -> Option<u64> {
    match expr {
        Expr::Nested(inner)
        | Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr: inner,
        } => literal_count(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: inner,
        } => literal_count(inner).map(|_| 0),
        Expr::Value(value) => match &value.value {
            Value::Null => Some(0),
            Value::Number(number, _) => number.parse::<u64>().ok().or_else(|| {
                // `1e9`, `10.5`: the count it rounds up to, saturating.
                let count = number.parse::<f64>().ok()?;
                Some(if count > u64::MAX as f64 {
                    u64::MAX
                } else {
                    count.max(0.0).ceil() as u64
                })
            }),
            _ => None,
        },
        _ => None,
    }
}

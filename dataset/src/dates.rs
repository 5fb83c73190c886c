//! Text read as dates: file-service recognises a text column's format in its profile,
//! agent-service parses the column so in its table, both with [`parse`].

use polars::prelude::*;

/// Whether the strftime `pattern` has a time of day (an hour, `%H`): it reads date-times.
pub fn has_time(pattern: &str) -> bool {
    pattern.contains("%H")
}

/// Text column `name` parsed as dates in the strftime `pattern`; as date-times in
/// microseconds when it [`has_time`]. Not strict (text that does not fit
/// becomes null), exact (the whole text must fit), without a cache of parsed values (it
/// costs more than it saves for these formats).
pub fn parse(name: &str, pattern: &str) -> Expr {
    let options = StrptimeOptions {
        format: Some(pattern.into()),
        strict: false,
        exact: true,
        cache: false,
    };
    // Not `col`: a name like `^a.*$` or `*` must not turn into a selector.
    let text = Expr::Column(name.into()).str();
    if has_time(pattern) {
        text.to_datetime(Some(TimeUnit::Microseconds), None, options, lit("raise"))
    } else {
        text.to_date(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_date_times_parse_and_other_text_becomes_null() {
        let frame =
            df!("d" => [Some("31/01/2023"), Some("soon"), None], "t" => ["2023-01-31 08:00", "x", "y"]).expect("frame");
        let parsed = frame
            .lazy()
            .select([parse("d", "%d/%m/%Y"), parse("t", "%Y-%m-%d %H:%M")])
            .collect()
            .expect("parsed");
        let [d, t] = parsed.columns() else {
            panic!("two columns: {parsed}");
        };
        assert_eq!(d.dtype(), &DataType::Date);
        assert_eq!(d.get(0).expect("row").to_string(), "2023-01-31");
        assert_eq!(d.null_count(), 2);
        assert_eq!(t.dtype(), &DataType::Datetime(TimeUnit::Microseconds, None));
        assert_eq!(t.null_count(), 2);
    }
}

//! The statistics of the batches seen so far, and the profile they make.

use polars::prelude::*;

use super::super::{ColumnProfile, DateRange, NumericStats, Profile, dates};
use super::distinct::Distinct;
use super::markers::Markers;
use super::sample::Sample;
use super::top::Counts;
use super::{
    IDENTIFIER_MIN_VALUES, Kind, QUANTILE_SAMPLE_ROWS, QUANTILES, Row, SAMPLE_ROWS, Scale, TOP_VALUES,
    TOP_VALUES_MAX_DISTINCT, count, float, partial,
};

/// A column and what is known of it so far.
struct Tracked {
    name: String,
    dtype: DataType,
    kind: Kind,
    distinct: Option<Distinct>,
    counts: Option<Counts>,
    markers: Markers,
}

/// The statistics of the batches seen so far.
pub struct Profiler {
    columns: Vec<Tracked>,
    /// One row of partial results per batch.
    partials: Option<DataFrame>,
    sample: Sample,
    rows: u64,
    schema: SchemaRef,
}

impl Profiler {
    /// A profiler of a dataset of `schema` and `scale`, whose first rows are `head`.
    pub fn new(schema: &SchemaRef, head: &DataFrame, scale: Scale) -> PolarsResult<Self> {
        let exact = scale.exact;
        let mut columns = Vec::with_capacity(schema.len());
        for (name, dtype) in schema.iter() {
            let kind = match Kind::of(dtype) {
                Kind::Text(_) => Kind::Text(dates::detect(head, name)?),
                kind => kind,
            };
            // On a large dataset, a column of identifiers would make its counts hold the
            // whole column; its top values would all be 1 anyway.
            let counted = kind.has_top_values() && (exact || !looks_like_identifiers(head, name)?);
            columns.push(Tracked {
                name: name.to_string(),
                dtype: dtype.clone(),
                kind,
                distinct: kind.has_unique().then(|| Distinct::new(exact)),
                counts: counted.then(|| Counts::new((!exact).then_some(TOP_VALUES_MAX_DISTINCT))),
                markers: Markers::new(),
            });
        }
        let numeric = columns
            .iter()
            .filter(|column| matches!(column.kind, Kind::Numeric))
            .map(|column| column.name.clone())
            .collect();
        let stride = if exact {
            1
        } else {
            scale.estimated_rows.div_ceil(QUANTILE_SAMPLE_ROWS).max(1)
        };
        Ok(Self {
            columns,
            partials: None,
            sample: Sample::new(numeric, stride),
            rows: 0,
            schema: schema.clone(),
        })
    }

    /// Folds the next rows of the dataset, `batch`, into the statistics.
    pub fn add(&mut self, batch: &DataFrame) -> PolarsResult<()> {
        let mut exprs = vec![partial::batch_rows()];
        for (i, column) in self.columns.iter().enumerate() {
            exprs.extend(partial::batch(i, &column.name, column.kind));
        }
        let mut reduced = batch.clone().lazy().select(exprs).collect()?;
        self.widen_date_formats(batch, &mut reduced)?;
        match &mut self.partials {
            Some(partials) => {
                partials.vstack_mut(&reduced)?;
            }
            None => self.partials = Some(reduced),
        }
        for column in &mut self.columns {
            let values = batch.column(&column.name)?;
            if let Some(distinct) = &mut column.distinct {
                distinct.add(values)?;
            }
            if let Some(counts) = &mut column.counts {
                counts.add(values)?;
            }
        }
        self.sample.add(batch, self.rows)?;
        self.rows += batch.height() as u64;
        Ok(())
    }

    /// Counts which marker each missing value of `rows`, the next rows of delimited
    /// text, was written as, from `written` (its columns with nulls, as written).
    pub fn add_written(&mut self, rows: &DataFrame, written: &DataFrame) -> PolarsResult<()> {
        for text in written.columns() {
            if let Some(at) = self.schema.index_of(text.name()) {
                self.columns[at].markers.add(rows.column(text.name())?, text)?;
            }
        }
        Ok(())
    }

    /// Parses the dates of `batch` again with a fraction of a second where its format
    /// without one left values unparsed, replacing their partial results in `reduced`.
    fn widen_date_formats(&mut self, batch: &DataFrame, reduced: &mut DataFrame) -> PolarsResult<()> {
        for (i, column) in self.columns.iter_mut().enumerate() {
            let Kind::Text(Some(format)) = column.kind else {
                continue;
            };
            let row = Row(reduced);
            let unparsed = count(row.get(&format!("date_nulls_{i}"))) > count(row.get(&format!("null_{i}")));
            let Some(wider) = format.with_fraction().filter(|_| unparsed) else {
                continue;
            };
            let parsed = batch
                .clone()
                .lazy()
                .select(partial::dates(i, &column.name, wider))
                .collect()?;
            for result in parsed.columns() {
                reduced.with_column(result.clone())?;
            }
            column.kind = Kind::Text(Some(wider));
        }
        Ok(())
    }

    /// The profile of every batch added, whose first rows are `head`.
    pub fn finish(mut self, head: &DataFrame) -> PolarsResult<Profile> {
        if self.partials.is_none() {
            // No batch at all: the statistics of no rows.
            self.add(&DataFrame::empty_with_schema(&self.schema))?;
        }
        let partials = self.partials.take().unwrap_or_default();
        let mut exprs = vec![partial::combined_rows()];
        for (i, column) in self.columns.iter().enumerate() {
            exprs.extend(partial::combine(i, column.kind));
        }
        let combined = partials.lazy().select(exprs).collect()?;
        let row = Row(&combined);
        let column_profiles = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| profile_column(i, column, &row, &self.sample))
            .collect::<PolarsResult<_>>()?;
        Ok(Profile {
            rows: count(row.get(partial::ROWS)),
            columns: self.columns.len() as u64,
            column_profiles,
            sample_rows: sextant_dataset::cells::rows(head, SAMPLE_ROWS),
        })
    }
}

/// The profile of column `i`, `column`, from the combined partial results in `row` and
/// the percentile `sample`.
fn profile_column(i: usize, column: &Tracked, row: &Row<'_>, sample: &Sample) -> PolarsResult<ColumnProfile> {
    let get = |stem: &str| row.get(&format!("{stem}_{i}"));
    let null_count = count(get("null"));
    let mut profile = ColumnProfile {
        name: column.name.clone(),
        dtype: column.dtype.to_string(),
        null_count,
        missing_markers: column.markers.seen(),
        unique_count: column.distinct.as_ref().map(Distinct::count).transpose()?.unwrap_or(0),
        unique_approximate: column.distinct.as_ref().is_some_and(Distinct::is_approximate),
        numeric: None,
        top_values: Vec::new(),
        date_range: None,
    };
    let range = |format: &str| {
        Some(DateRange {
            min: dates::iso(get("min"))?,
            max: dates::iso(get("max"))?,
            format: format.to_owned(),
        })
    };
    match column.kind {
        Kind::Numeric => {
            let quantiles = sample.quantiles(&column.name, &QUANTILES)?;
            profile.numeric = Some(NumericStats {
                min: float(get("min")),
                max: float(get("max")),
                mean: float(get("mean")),
                std: float(get("std")),
                p25: quantiles[0],
                p50: quantiles[1],
                p75: quantiles[2],
                quantiles_approximate: sample.is_approximate(),
            });
        }
        Kind::Temporal => profile.date_range = range(""),
        Kind::Text(Some(format)) if count(get("date_nulls")) == null_count => {
            profile.dtype = format.dtype().into();
            profile.date_range = range(format.pattern());
        }
        _ => {}
    }
    if profile.date_range.is_none()
        && let Some(counts) = &column.counts
    {
        profile.top_values = counts.top(TOP_VALUES);
    }
    Ok(profile)
}

/// Whether the first rows of column `name` are (almost) all different: at least
/// [`IDENTIFIER_MIN_VALUES`] values, nine in ten distinct.
fn looks_like_identifiers(head: &DataFrame, name: &str) -> PolarsResult<bool> {
    let values = head.column(name)?;
    let present = values.len() - values.null_count();
    if present < IDENTIFIER_MIN_VALUES {
        return Ok(false);
    }
    let distinct = values.n_unique()? - usize::from(values.null_count() > 0);
    Ok(distinct * 10 >= present * 9)
}

//! Stored values as protobuf messages.

use sextant_common::timestamp;
use sextant_proto::file::v1 as pb;

use crate::profile::{ColumnProfile, Profile};
use crate::store::File;

/// A stored file as the contract's `File`.
pub fn file(file: &File) -> pb::File {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    pb::File {
        file_name: file.file_name.clone(),
        description: file.description.clone(),
        format: file.format.clone(),
        size_bytes: count(file.size_bytes),
        rows: count(file.row_count),
        columns: count(file.column_count),
        summary: file.summary.clone(),
        created_at: Some(timestamp::to_proto(file.created_at)),
    }
}

/// A profile as the contract's `Profile`; absent statistics become NaN.
pub fn profile(profile: &Profile) -> pb::Profile {
    pb::Profile {
        rows: profile.rows,
        columns: profile.columns,
        column_profiles: profile.column_profiles.iter().map(column).collect(),
        sample_rows: profile
            .sample_rows
            .iter()
            .map(|row| sextant_proto::json::to_list(row))
            .collect(),
    }
}

fn column(column: &ColumnProfile) -> pb::ColumnProfile {
    let or_nan = |value: Option<f64>| value.unwrap_or(f64::NAN);
    pb::ColumnProfile {
        name: column.name.clone(),
        dtype: column.dtype.clone(),
        null_count: column.null_count,
        missing_markers: column
            .missing_markers
            .iter()
            .map(|marker| pb::MarkerCount {
                marker: marker.marker.clone(),
                count: marker.count,
            })
            .collect(),
        unique_count: column.unique_count,
        unique_approximate: column.unique_approximate,
        numeric: column.numeric.as_ref().map(|numeric| pb::NumericStats {
            min: or_nan(numeric.min),
            max: or_nan(numeric.max),
            mean: or_nan(numeric.mean),
            std: or_nan(numeric.std),
            p25: or_nan(numeric.p25),
            p50: or_nan(numeric.p50),
            p75: or_nan(numeric.p75),
            quantiles_approximate: numeric.quantiles_approximate,
        }),
        top_values: column
            .top_values
            .iter()
            .map(|top| pb::ValueCount {
                value: top.value.clone(),
                count: top.count,
            })
            .collect(),
        date_range: column.date_range.as_ref().map(|range| pb::DateRange {
            min: range.min.clone(),
            max: range.max.clone(),
            format: range.format.clone(),
        }),
    }
}

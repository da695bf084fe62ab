//! The compression codecs of a Parquet file's column chunks, and the ones
//! this build cannot read.

use ::parquet::basic::Compression;
use ::parquet::file::metadata::ParquetMetaData;

/// This build reads zstd (the native builds: its C library).
pub(super) const ZSTD_BUILT: bool = cfg!(feature = "tables-zstd");

/// The codecs the column chunks use, by Parquet's names, in the order they
/// first appear.
pub(super) fn codecs(metadata: &ParquetMetaData) -> Vec<Compression> {
    let mut seen = Vec::new();
    for group in metadata.row_groups() {
        for column in group.columns() {
            let codec = column.compression();
            if !seen.iter().any(|c| name(*c) == name(codec)) {
                seen.push(codec);
            }
        }
    }
    seen
}

/// Parquet's name for a codec (`SNAPPY`, `LZ4_RAW`...), without its level.
pub(super) fn name(codec: Compression) -> &'static str {
    match codec {
        Compression::UNCOMPRESSED => "UNCOMPRESSED",
        Compression::SNAPPY => "SNAPPY",
        Compression::GZIP(_) => "GZIP",
        Compression::LZO => "LZO",
        Compression::BROTLI(_) => "BROTLI",
        Compression::LZ4 => "LZ4",
        Compression::ZSTD(_) => "ZSTD",
        Compression::LZ4_RAW => "LZ4_RAW",
    }
}

/// Why a file compressed with `codec` cannot be read by a build that does
/// (`zstd_built`) or does not read zstd; `None` when it can.
pub(super) fn refusal(codec: Compression, zstd_built: bool) -> Option<String> {
    let rewrite = "rewrite it with SNAPPY (pyarrow: pq.write_table(table, path, \
                   compression=\"snappy\"); Spark: spark.sql.parquet.compression.codec=snappy)";
    match codec {
        Compression::ZSTD(_) if !zstd_built => Some(format!(
            "this Parquet file is compressed with ZSTD, which the browser version cannot read: \
             use the command-line tool, or {rewrite}"
        )),
        Compression::LZO => Some(format!(
            "this Parquet file is compressed with LZO, which segment-backfill cannot read (few \
             Parquet readers can): {rewrite}"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::parquet::basic::ZstdLevel;

    #[test]
    fn zstd_is_refused_by_name_only_where_it_is_not_built() {
        let zstd = Compression::ZSTD(ZstdLevel::default());
        let refused = refusal(zstd, false).unwrap_or_default();
        assert!(
            refused.starts_with(
                "this Parquet file is compressed with ZSTD, which the browser version cannot \
                 read: use the command-line tool, or rewrite it with SNAPPY"
            ),
            "{refused}"
        );
        assert_eq!(refusal(zstd, true), None);
    }

    #[test]
    fn lzo_is_always_refused_and_the_rest_never() {
        for built in [false, true] {
            let refused = refusal(Compression::LZO, built).unwrap_or_default();
            assert!(refused.contains("compressed with LZO"), "{refused}");
            for codec in [
                Compression::UNCOMPRESSED,
                Compression::SNAPPY,
                Compression::GZIP(Default::default()),
                Compression::LZ4,
                Compression::LZ4_RAW,
                Compression::BROTLI(Default::default()),
            ] {
                assert_eq!(refusal(codec, built), None, "{}", name(codec));
            }
        }
    }
}

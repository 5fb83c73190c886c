//! Delimited text cut into chunks of whole records with ordinary reads, so that Polars
//! parses a large file one chunk at a time. Polars' own CSV scan maps a local file into
//! memory, and every page of the mapping it has read counts towards the process's
//! memory until the scan ends: a profile of a 1 GiB file would hold 1 GiB however
//! little it computes.
//!
//! A chunk ends after the last line break outside double quotes. Every chunk starts at a
//! record, outside quotes, so the quotes counted from its start tell which line breaks
//! end records (a doubled quote inside a quoted field counts twice and changes nothing),
//! the way Polars splits a file between its threads.

use std::io::{self, Read};

/// Bytes read per chunk, about: large enough that Polars' per-chunk overhead and
/// parallel parse pay off, small enough that a chunk and its parsed columns stay well
/// under the size of the files worth profiling this way.
pub const CHUNK_BYTES: usize = 16 * 1024 * 1024;

/// The records of a source, a chunk at a time, read into one reused buffer.
pub struct Chunks<R> {
    source: R,
    buffer: Vec<u8>,
    /// Where the bytes not yet handed out start in `buffer`; they always start a record.
    pending: usize,
    size: usize,
    quote: u8,
    exhausted: bool,
}

impl<R: Read> Chunks<R> {
    /// Chunks of about `size` bytes of `source`, whose fields may be quoted with `quote`.
    pub fn new(source: R, size: usize, quote: u8) -> Self {
        let size = size.max(1);
        Self {
            source,
            buffer: Vec::with_capacity(size + size / 8),
            pending: 0,
            size,
            quote,
            exhausted: false,
        }
    }

    /// The next chunk: whole records, at least the chunk size unless the source ends
    /// first (a record longer than that makes its chunk longer); `None` at the end.
    pub fn next_chunk(&mut self) -> io::Result<Option<&[u8]>> {
        self.buffer.drain(..self.pending);
        self.pending = 0;
        let mut wanted = self.size;
        loop {
            while !self.exhausted && self.buffer.len() < wanted {
                let missing = (wanted - self.buffer.len()) as u64;
                if (&mut self.source).take(missing).read_to_end(&mut self.buffer)? == 0 {
                    self.exhausted = true;
                }
            }
            let end = if self.exhausted {
                self.buffer.len()
            } else if let Some(end) = record_end(&self.buffer, self.quote) {
                end
            } else {
                wanted = self.buffer.len() + self.size;
                continue;
            };
            self.pending = end;
            return Ok((end > 0).then(|| &self.buffer[..end]));
        }
    }
}

/// Where the last whole record of `text` ends: just after its last line break outside
/// `quote`s, given that `text` starts outside quotes. `None` when no record ends in it.
pub fn record_end(text: &[u8], quote: u8) -> Option<usize> {
    // Whether the end of `text` is inside quotes: the parity of its quotes, which the
    // compiler folds 16 or 32 bytes at a time (a byte-by-byte state machine, or even a
    // count, runs several times slower).
    let mut quoted = text.iter().fold(0u8, |parity, &byte| parity ^ u8::from(byte == quote)) == 1;
    // Walking back, `quoted` is the state just after the byte at `at`.
    for (at, &byte) in text.iter().enumerate().rev() {
        if byte == b'\n' && !quoted {
            return Some(at + 1);
        }
        if byte == quote {
            quoted = !quoted;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str, size: usize) -> Vec<String> {
        let mut chunks = Chunks::new(text.as_bytes(), size, b'"');
        let mut out = Vec::new();
        while let Some(chunk) = chunks.next_chunk().expect("read") {
            out.push(String::from_utf8(chunk.to_vec()).expect("utf-8"));
        }
        out
    }

    #[test]
    fn a_record_ends_at_a_line_break_outside_quotes() {
        assert_eq!(record_end(b"a,b\n1,2\n3", b'"'), Some(8));
        assert_eq!(record_end(b"a,\"x\ny\"\n1,\"p\nq", b'"'), Some(8));
        assert_eq!(record_end(b"a,\"say \"\"hi\"\"\n\"\n", b'"'), Some(16));
        assert_eq!(record_end(b"1,\"open\n", b'"'), None);
        assert_eq!(record_end(b"no break", b'"'), None);
    }

    #[test]
    fn chunks_hold_whole_records_and_every_byte_once() {
        let text = "h1,h2\n1,\"a\nb\"\n2,\"c,\"\"d\"\"\"\n3,e\n4,\"f\n\ng\"\n5,last";
        for size in 1..text.len() + 2 {
            let pieces = chunks(text, size);
            assert_eq!(pieces.concat(), text, "size {size}");
            for piece in &pieces[..pieces.len() - 1] {
                assert!(piece.ends_with('\n'), "size {size}: {piece:?}");
                assert_eq!(piece.matches('"').count() % 2, 0, "size {size}: {piece:?}");
            }
        }
    }

    #[test]
    fn a_chunk_holds_at_least_its_size_unless_the_source_ends() {
        let text = "1\n".repeat(100);
        let pieces = chunks(&text, 10);
        assert_eq!(pieces.len(), 20);
        assert!(pieces.iter().all(|piece| piece.len() == 10));
        assert!(chunks("", 10).is_empty());
    }
}

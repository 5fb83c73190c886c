//! `UploadFile`: what is kept, what is refused, and that a refused or broken upload
//! leaves nothing behind: no bytes, no row, no cache entry.

use std::time::Duration;

use sextant_proto::file::v1 as pb;
use sextant_proto::file::v1::upload_file_request::Part;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

use crate::harness::{TestApp, UPLOAD_LIMIT_BYTES, assert_status, authed, eventually, upload_parts};

const CSV: &str = "region,amount\nNorth,10\nSouth,20\n";

impl TestApp {
    /// Asserts that the user has no files and that nothing is stored or cached.
    async fn assert_nothing_kept(&self, token: &str) {
        assert!(self.list(token).await.is_empty(), "no row");
        eventually("the storage directory to be empty", || async {
            self.stored_files().is_empty().then_some(())
        })
        .await;
        assert!(self.cache_keys().await.is_empty(), "no cache entry");
    }
}

#[tokio::test]
async fn upload_keeps_the_file_and_makes_it_the_active_file_of_the_active_session() {
    let app = TestApp::spawn().await;
    let (token, session) = app.user_with_session("upload@example.com").await;
    let file = app.upload(&token, "  sales.csv ", CSV).await.expect("upload");
    assert_eq!(file.file_name, "sales.csv", "the name is trimmed");
    assert_eq!(file.description, "about   sales.csv");
    assert_eq!(
        (file.format.as_str(), file.size_bytes, file.rows, file.columns),
        ("csv", CSV.len() as u64, 2, 2)
    );
    assert!(file.created_at.is_some());
    assert!(
        file.summary
            .starts_with("The dataset has **2 rows** and **2 columns**.")
    );

    let listed = app.list(&token).await;
    assert_eq!(listed, std::slice::from_ref(&file));
    assert_eq!(app.active_file(&token).await.expect("active"), file);

    // The bytes are stored as uploaded, under <user>/<uuid>, never under the name.
    let user = app.user_id(&token).await;
    let stored = app.stored_files();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let relative = stored[0].strip_prefix(&app.storage_dir).expect("under the root");
    let parts: Vec<_> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0], user);
    assert!(uuid::Uuid::parse_str(&parts[1]).is_ok(), "{relative:?}");
    assert_eq!(std::fs::read(&stored[0]).expect("read"), CSV.as_bytes());

    let resolved = app.resolve(&token, &session).await.expect("resolve");
    assert_eq!(resolved.file.as_ref(), Some(&file));
    assert_eq!(app.cached_active_file(&user, &session).await, Some(resolved.file_id));
}

#[tokio::test]
async fn upload_without_an_active_session_is_kept_but_not_active() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("no-session@example.com").await;
    let file = app.upload(&token, "data.csv", CSV).await.expect("upload");
    assert_eq!(app.list(&token).await, [file]);
    assert_status(app.active_file(&token).await, Code::NotFound, Some("no_active_file"));
    assert!(app.cache_keys().await.is_empty());
}

#[tokio::test]
async fn upload_refuses_names_that_could_escape_or_confuse() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("names@example.com").await;
    let long = format!("{}.csv", "n".repeat(10_000));
    for name in [
        "",
        "   ",
        ".",
        "..",
        "../escape.csv",
        "/etc/passwd",
        "dir/file.csv",
        "dir\\file.csv",
        "nul\0.csv",
        "tab\t.csv",
        long.as_str(),
    ] {
        let status = assert_status(
            app.upload(&token, name, CSV).await,
            Code::InvalidArgument,
            Some("invalid_input"),
        );
        assert!(status.message().starts_with("file_name:"), "{name:?}: {status:?}");
    }
    app.assert_nothing_kept(&token).await;
}

#[tokio::test]
async fn upload_rejects_a_duplicate_name_before_writing() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("duplicate@example.com").await;
    let first = app.upload(&token, "data.csv", CSV).await.expect("first upload");
    let stored = app.stored_files();

    // Only the metadata is sent and the stream stays open: the answer comes anyway.
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    sender
        .send(pb::UploadFileRequest {
            part: upload_parts("data.csv", b"").into_iter().next(),
        })
        .await
        .expect("send metadata");
    let mut files = app.files.clone();
    let call = files.upload_file(authed(&token, ReceiverStream::new(receiver)));
    let answer = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("answered before any chunk");
    assert_status(answer, Code::AlreadyExists, Some("file_exists"));
    drop(sender);

    assert_eq!(app.stored_files(), stored, "nothing written");
    assert_eq!(app.list(&token).await, [first]);
}

#[tokio::test]
async fn an_upload_cut_off_half_way_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("cut-off@example.com").await;
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let files = app.files.clone();
    let request = authed(&token, ReceiverStream::new(receiver));
    let call = tokio::spawn(async move { files.clone().upload_file(request).await });
    let body = "1,2\n".repeat(10_000);
    for part in upload_parts("cut.csv", format!("a,b\n{body}").as_bytes())
        .into_iter()
        .take(3)
    {
        sender
            .send(pb::UploadFileRequest { part: Some(part) })
            .await
            .expect("send");
    }
    // Bytes are being staged now: the client goes away without its end message.
    eventually("the upload to be staged", || async {
        (!app.stored_files().is_empty()).then_some(())
    })
    .await;
    call.abort();
    drop(sender);
    app.assert_nothing_kept(&token).await;
}

#[tokio::test]
async fn an_upload_closed_without_its_end_or_with_the_wrong_size_is_discarded() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("incomplete@example.com").await;
    let without_end = upload_parts("data.csv", CSV.as_bytes());
    assert_status(
        app.upload_parts(&token, without_end).await,
        Code::InvalidArgument,
        Some("incomplete_upload"),
    );

    let mut wrong_size = upload_parts("data.csv", CSV.as_bytes());
    wrong_size.push(Part::End(pb::UploadEnd {
        size_bytes: CSV.len() as u64 + 1,
    }));
    let status = assert_status(
        app.upload_parts(&token, wrong_size).await,
        Code::InvalidArgument,
        Some("incomplete_upload"),
    );
    assert!(status.message().contains("declared"), "{status:?}");
    app.assert_nothing_kept(&token).await;
}

#[tokio::test]
async fn an_upload_that_breaks_the_protocol_is_refused() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("protocol@example.com").await;
    let chunk_first = vec![Part::Chunk(b"a,b\n".to_vec())];
    assert_status(
        app.upload_parts(&token, chunk_first).await,
        Code::InvalidArgument,
        Some("invalid_upload"),
    );
    let mut twice = upload_parts("a.csv", CSV.as_bytes());
    twice.extend(upload_parts("b.csv", CSV.as_bytes()));
    assert_status(
        app.upload_parts(&token, twice).await,
        Code::InvalidArgument,
        Some("invalid_upload"),
    );
    assert_status(
        app.upload_parts(&token, Vec::new()).await,
        Code::InvalidArgument,
        Some("invalid_upload"),
    );
    app.assert_nothing_kept(&token).await;
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_as_payload_too_large() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("big@example.com").await;
    let at_limit = format!("a\n{}", "1\n".repeat((UPLOAD_LIMIT_BYTES as usize - 2) / 2));
    assert_eq!(at_limit.len() as u64, UPLOAD_LIMIT_BYTES);
    app.upload(&token, "at-limit.csv", &at_limit)
        .await
        .expect("exactly at the limit");
    let over = format!("{at_limit}1\n");
    let status = assert_status(
        app.upload(&token, "over.csv", over).await,
        Code::ResourceExhausted,
        Some("payload_too_large"),
    );
    assert!(status.message().contains(&UPLOAD_LIMIT_BYTES.to_string()), "{status:?}");
    let names: Vec<String> = app.list(&token).await.into_iter().map(|file| file.file_name).collect();
    assert_eq!(names, ["at-limit.csv"]);
    assert_eq!(app.stored_files().len(), 1, "only the accepted file");
}

#[tokio::test]
async fn unsupported_and_unreadable_files_are_refused_and_leave_nothing_behind() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("bad-files@example.com").await;
    for (name, bytes) in [
        ("notes.txt", &b"just some words"[..]),
        ("picture.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        ("sheet.xlsx", b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0"),
    ] {
        assert_status(
            app.upload(&token, name, bytes).await,
            Code::InvalidArgument,
            Some("unsupported_format"),
        );
    }
    for (name, bytes, reason) in [
        ("broken.parquet", &b"PAR1 this is not parquet"[..], ""),
        ("ragged.csv", b"a,b\n1,2\n3,4,5,6\n", ""),
        ("latin1.csv", b"name\nJos\xe9\n", "UTF-8"),
        ("numbers.json", b"[1, 2, 3]", "not an object"),
        ("cut.json", b"[{\"a\": 1}, {\"a\": ", "invalid JSON"),
        ("empty.json", b"[]", "empty"),
        ("text.ndjson", b"hello\n", "NDJSON"),
    ] {
        let status = assert_status(
            app.upload(&token, name, bytes).await,
            Code::InvalidArgument,
            Some("unreadable_dataset"),
        );
        assert!(
            status.message().len() > "unreadable dataset: ".len(),
            "{name}: a reason: {status:?}"
        );
        assert!(status.message().contains(reason), "{name}: {status:?}");
    }
    app.assert_nothing_kept(&token).await;
}

/// A small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[tokio::test]
async fn garbage_and_damaged_files_get_an_error_never_a_crash() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("fuzz@example.com").await;
    let mut random = XorShift(0x5EED_1234_ABCD_0001);

    // Pure garbage, with a byte that is never valid UTF-8 near the start: never a dataset.
    for (i, extension) in ["csv", "tsv", "parquet", "json", "ndjson", "bin"]
        .iter()
        .cycle()
        .take(24)
        .enumerate()
    {
        let len = 1 + (random.next() % 3000) as usize;
        let mut bytes = random.bytes(len);
        bytes[0] = 0xFF;
        let name = format!("garbage-{i}.{extension}");
        let result = app.upload(&token, &name, &bytes).await;
        let status = result.expect_err(&name);
        assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
    }

    // Valid files damaged: truncated, bytes flipped. They may still parse; they must
    // never take the service down or fail as an internal error.
    let mut frame = polars::prelude::df!("n" => [1i64, 2, 3], "s" => ["a", "b", "c"]).expect("frame");
    let mut parquet = Vec::new();
    polars::prelude::ParquetWriter::new(&mut parquet)
        .finish(&mut frame)
        .expect("parquet");
    let seeds: [(&str, Vec<u8>); 4] = [
        (
            "csv",
            b"id,name,when\n1,\"a, b\",2023-01-01\n2,\"multi\nline\",2023-02-01\n".to_vec(),
        ),
        ("parquet", parquet),
        ("json", br#"[{"a": 1, "b": "x"}, {"a": 2, "b": null}]"#.to_vec()),
        ("ndjson", b"{\"a\": 1}\n{\"a\": 2.5}\n".to_vec()),
    ];
    for (i, (extension, valid)) in seeds.iter().cycle().take(32).enumerate() {
        let mut bytes = valid.clone();
        if i % 2 == 0 {
            bytes.truncate((random.next() as usize) % bytes.len());
        } else {
            for _ in 0..1 + random.next() % 4 {
                let at = (random.next() as usize) % bytes.len();
                bytes[at] = random.next() as u8;
            }
        }
        let name = format!("damaged-{i}.{extension}");
        if let Err(status) = app.upload(&token, &name, &bytes).await {
            assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
        }
    }

    // Still serving, and every failure left nothing behind.
    let kept = app.list(&token).await;
    assert_eq!(app.stored_files().len(), kept.len());
    app.upload(&token, "after.csv", CSV).await.expect("still serving");
}

#[tokio::test]
async fn calls_without_a_valid_token_are_refused() {
    let app = TestApp::spawn().await;
    let status = app
        .files
        .clone()
        .list_files(pb::ListFilesRequest {})
        .await
        .expect_err("no token");
    assert_eq!(status.code(), Code::Unauthenticated);
    for token in ["garbage", "a.b.c"] {
        assert_status(app.upload(token, "x.csv", CSV).await, Code::Unauthenticated, None);
        let listed = app
            .files
            .clone()
            .list_files(authed(token, pb::ListFilesRequest {}))
            .await;
        assert_status(listed, Code::Unauthenticated, None);
    }
    assert!(app.stored_files().is_empty());
}

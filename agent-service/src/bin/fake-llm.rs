//! A fake model server, to try Sextant's remote-model path with no key and no network:
//! it answers every request with the recorded streams of `tests/fixtures/llm/` (the
//! fixtures' dataset is a table with `region` and `amount` columns).
//!
//! ```text
//! cargo run -p agent-service --features testing --bin fake-llm -- anthropic 127.0.0.1:9100
//! LLM_PROVIDER=anthropic LLM_BASE_URL=http://127.0.0.1:9100 make run
//! ```
//! (`openai` instead serves `/v1/chat/completions`; its base URL ends in `/v1`.)

use agent_service::llm::fake::{FakeLlm, Wire};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let wire = match args.next().as_deref() {
        Some("anthropic") | None => Wire::Anthropic,
        Some("openai") => Wire::OpenAi,
        Some(other) => anyhow::bail!("unknown wire format {other:?}: anthropic or openai"),
    };
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9100".into()).parse()?;
    let fake = FakeLlm::start_on(wire, addr).await?;
    println!("fake {wire:?} model at LLM_BASE_URL={}", fake.base_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}

//! The stand-in payment provider as a process, for `scripts/dev`: it writes the settings
//! that point PrepQ at it (`<dir>/pay.env`) and serves until stopped. `POST
//! /standin/pay/{out_trade_no}` plays the user scanning the QR code and paying.

use std::path::PathBuf;

use clap::Parser;
use prepq_tests::PayProvider;

#[derive(Parser)]
struct Args {
    /// Where the keys and `pay.env` go.
    #[arg(long)]
    dir: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let provider = PayProvider::start_in(&args.dir).await;
    let env: String = provider
        .env()
        .into_iter()
        .map(|(key, value)| format!("export {key}='{value}'\n"))
        .collect();
    std::fs::write(args.dir.join("pay.env"), env)?;
    println!("payment provider stand-in at {}", provider.base_url);
    tokio::signal::ctrl_c().await?;
    Ok(())
}

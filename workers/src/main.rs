//! The `workers` binary: parses the command line and runs a worker process, or one of the
//! isolated readers a worker starts for an untrusted file.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};
use prepq_workers::{WorkerConfig, engines::reading};

#[derive(Debug, Parser)]
#[command(
    name = "workers",
    about = "PrepQ job workers",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: WorkerConfig,
    #[command(flatten)]
    telemetry: prepq_telemetry::TelemetryConfig,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Internal: extract one untrusted file's text and print a JSON report (run under limits).
    #[command(hide = true)]
    Extract {
        #[arg(long)]
        media_type: String,
        #[arg(long)]
        max_pages: u32,
        path: PathBuf,
    },
    /// Internal: read one untrusted image or scanned PDF by OCR, printing progress and a
    /// JSON report (run under limits).
    #[command(hide = true)]
    Ocr {
        #[arg(long)]
        media_type: String,
        #[arg(long)]
        pages: u32,
        #[arg(long)]
        max_pixels: u64,
        #[arg(long)]
        page_timeout_ms: u64,
        /// Resolution a PDF page is rendered at for OCR.
        #[arg(long, default_value_t = reading::OCR_DPI)]
        dpi: u32,
        /// The model the first page is read with.
        #[arg(long, value_enum, default_value_t = reading::OcrModel::English)]
        first_model: reading::OcrModel,
        path: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Extract {
            media_type,
            max_pages,
            path,
        }) => return reading::extract_command(&path, &media_type, max_pages),
        Some(Command::Ocr {
            media_type,
            pages,
            max_pixels,
            page_timeout_ms,
            dpi,
            first_model,
            path,
        }) => {
            let page = reading::OcrPage {
                max_pixels,
                dpi,
                time: Duration::from_millis(page_timeout_ms),
                first: first_model,
            };
            return reading::ocr_command(&path, &media_type, pages, page);
        }
        None => {}
    }
    let telemetry = prepq_telemetry::init(
        &cli.telemetry,
        "prepq-workers",
        "info,apalis=warn,apalis_core=warn,apalis_redis=warn",
    );
    let _telemetry = match telemetry {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("starting the logs: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(prepq_workers::run(cli.config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("workers stopped: {e:#}");
            ExitCode::FAILURE
        }
    }
}

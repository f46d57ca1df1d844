use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use prepq_api::config::ApiConfig;

#[derive(Debug, Parser)]
#[command(
    name = "api",
    about = "PrepQ HTTP API",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: ApiConfig,
    #[command(flatten)]
    telemetry: prepq_telemetry::TelemetryConfig,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the OpenAPI document (to stdout, or to --out).
    Openapi {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Manage administrators (there is no API call that makes one).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Make EMAIL an administrator: create a verified account with the password read from
    /// the first line of standard input, or promote the existing account.
    Create {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        config: Box<ApiConfig>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Admin {
        command: AdminCommand::Create { email, config },
    }) = cli.command
    {
        return run(prepq_api::admin::create(&config, &email));
    }
    if let Some(Command::Openapi { out }) = cli.command {
        let spec = prepq_api::openapi_json();
        let written = match out {
            Some(path) => std::fs::write(&path, spec + "\n"),
            None => {
                println!("{spec}");
                Ok(())
            }
        };
        return match written {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("writing the spec: {e}");
                ExitCode::FAILURE
            }
        };
    }
    // One line per request costs real throughput; `RUST_LOG=...,poem=info` turns it on.
    let telemetry = prepq_telemetry::init(
        &cli.telemetry,
        "prepq-api",
        "info,poem::middleware::tracing_mw=warn",
    );
    let _telemetry = match telemetry {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("starting the logs: {e}");
            return ExitCode::FAILURE;
        }
    };
    run(prepq_api::serve(cli.config))
}

fn run(task: impl Future<Output = anyhow::Result<()>>) -> ExitCode {
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
    match runtime.block_on(task) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

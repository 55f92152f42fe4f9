//! The operator's tool (see `conduit_tools::admin`).

use std::process::ExitCode;

use conduit_tools::admin::{self, Outcome, USAGE};
use shared::{
    ground::{aws::sdk_config, config::Config},
    store::Store,
    table::Table,
};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut table = std::env::var("TABLE_NAME").ok();
    if let Some(at) = args.iter().position(|a| a == "--table") {
        args.remove(at);
        if at < args.len() {
            table = Some(args.remove(at));
        }
    }
    if args.is_empty() || args[0] == "--help" || args[0] == "help" {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let config = Config::from_lookup(|name| match name {
        "TABLE_NAME" => table.clone(),
        // Nothing here signs or reads tokens.
        "JWT_SECRET" | "JWT_SECRET_ARN" => None,
        _ => std::env::var(name).ok(),
    });
    let config = match config {
        Ok(config) => config,
        Err(err) => {
            eprintln!("conduit-admin: {err} (--table or TABLE_NAME)");
            return ExitCode::from(2);
        }
    };
    let store = Store::new(Table::new(&sdk_config(&config).await, &config));
    let mut out = String::new();
    let result = admin::run(&store, &args, &mut out).await;
    print!("{out}");
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Unfinished) => ExitCode::from(1),
        Err(err) => {
            eprintln!("conduit-admin: {err}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

//! `coopkit admin`: who runs the server and who moderates its directory,
//! set at the command line (operators then appoint moderators from a
//! page).

use std::path::Path;

use anyhow::Context;
use clap::Subcommand;
use coopkit_domain::ServerRole;

use crate::config::Config;
use crate::DatabaseArgs;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Give the account with this address a role on the whole server.
    Grant(RoleArgs),
    /// Take a role on the whole server from the account with this address.
    Revoke(RoleArgs),
}

#[derive(Debug, clap::Args)]
pub struct RoleArgs {
    /// The account's email address.
    #[arg(long)]
    email: String,
    /// `operator` (runs the server: founds co-ops, appoints moderators)
    /// or `moderator` (decides the directory's doubtful pairs and edits).
    #[arg(long, value_parser = parse_role)]
    role: ServerRole,
    #[command(flatten)]
    database: DatabaseArgs,
}

fn parse_role(raw: &str) -> Result<ServerRole, String> {
    ServerRole::parse(raw).map_err(|_| format!("{raw:?} is no role: say operator or moderator"))
}

pub async fn run(config_file: Option<&Path>, command: AdminCommand) -> anyhow::Result<String> {
    let (args, grant) = match command {
        AdminCommand::Grant(args) => (args, true),
        AdminCommand::Revoke(args) => (args, false),
    };
    let config = Config::load(config_file, args.database.into())?;
    let (app, _) = crate::open_app(&config).await?;
    let role = args.role.as_str();
    let email = &args.email;
    if grant {
        let (person, granted) = app
            .grant_server_role(email, args.role)
            .await
            .with_context(|| format!("cannot make {email} {role}"))?;
        let name = person.display_name;
        Ok(if granted {
            format!("{name} <{email}> is now {role}\n")
        } else {
            format!("{name} <{email}> was {role} already; nothing changed\n")
        })
    } else {
        let (person, revoked) = app
            .revoke_server_role(email, args.role)
            .await
            .with_context(|| format!("cannot take {role} from {email}"))?;
        let name = person.display_name;
        Ok(if revoked {
            format!("{name} <{email}> is no longer {role}\n")
        } else {
            format!("{name} <{email}> was not {role}; nothing changed\n")
        })
    }
}

//! `belay admin`: member management for operators.

use std::{io::BufRead, sync::Arc};

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::{
    accounts::{Role, service, token::random_token},
    app::AppState,
    config::Config,
    time::SystemClock,
    web::error::AppError,
};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a member. Prints a generated password unless --password-stdin.
    CreateMember {
        /// The new member's handle.
        handle: String,
        /// Role to give them.
        #[arg(long, value_enum, default_value = "member")]
        role: Role,
        /// Optional email address.
        #[arg(long)]
        email: Option<String>,
        /// IANA time zone, e.g. Europe/London [default: UTC]
        #[arg(long)]
        time_zone: Option<String>,
        /// Read the password from the first line of standard input instead
        /// of generating one (keeps it out of the process list and history).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Mark a member's professional listing as verified, after checking the
    /// licence they gave with its issuing board (or withdraw it).
    VerifyProfessional {
        /// The member's handle.
        handle: String,
        /// Withdraw the verification instead.
        #[arg(long)]
        withdraw: bool,
    },
    /// Give an existing member a role (member, moderator or admin).
    SetRole {
        /// The member's handle.
        handle: String,
        /// The role to give.
        #[arg(value_enum)]
        role: Role,
    },
}

pub async fn run(config: Config, cmd: AdminCommand) -> anyhow::Result<()> {
    let state = AppState::build(config, Arc::new(SystemClock)).await?;
    let result = match cmd {
        AdminCommand::CreateMember {
            handle,
            role,
            email,
            time_zone,
            password_stdin,
        } => {
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password")?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (random_token(), true)
            };
            let input = service::SignupInput {
                handle,
                password: password.clone(),
                email,
                time_zone,
            };
            match service::create_member(&state, input, role).await {
                Ok(member) => {
                    println!(
                        "created {} ({}) with role {}",
                        member.handle,
                        member.id,
                        role.as_str()
                    );
                    if generated {
                        println!("password: {password}");
                    }
                    Ok(())
                }
                Err(AppError::Validation(fields)) => {
                    bail!(
                        "invalid: {}",
                        serde_json::to_string(&fields).unwrap_or_default()
                    )
                }
                Err(other) => bail!("{other}"),
            }
        }
        AdminCommand::VerifyProfessional { handle, withdraw } => {
            match crate::circle::capacity::set_verified(&state, &handle, !withdraw).await {
                Ok(()) => {
                    println!(
                        "{handle} is {}",
                        if withdraw {
                            "no longer verified"
                        } else {
                            "now a verified professional"
                        }
                    );
                    Ok(())
                }
                Err(AppError::NotFound) => {
                    bail!("{handle} has not listed themselves as a professional")
                }
                Err(other) => bail!("{other}"),
            }
        }
        AdminCommand::SetRole { handle, role } => {
            match service::set_role(&state, &handle, role).await {
                Ok(()) => {
                    println!("{handle} is now {}", role.as_str());
                    Ok(())
                }
                Err(AppError::NotFound) => bail!("no member has the handle {handle}"),
                Err(other) => bail!("{other}"),
            }
        }
    };
    state.db.close().await;
    result
}

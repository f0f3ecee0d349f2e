//! `mediaport user ...`: manage accounts from the command line, on the same data folder
//! (or database) the server uses.

use mediaport_core::users;
use mediaport_shared::Group;
use mediaport_wiring::{Settings, bootstrap};

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user; without --password a random one is generated and printed once
    Add {
        username: String,
        /// viewer, creator or admin
        #[arg(long, value_parser = parse_group)]
        group: Group,
        /// [default: <username>@mediaport.local]
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        password: Option<String>,
    },
    /// Set a user's password (ends their sessions); without --password one is generated
    Passwd {
        username: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Move a user to another group
    Group {
        username: String,
        #[arg(value_parser = parse_group)]
        group: Group,
    },
    /// List users with their groups
    List,
    /// Delete a user (never the last admin)
    Delete { username: String },
}

fn parse_group(text: &str) -> Result<Group, String> {
    Group::parse(text).ok_or_else(|| format!("{text:?} is not a group: use viewer, creator or admin"))
}

pub async fn run(command: UserCommand, settings: &Settings) -> anyhow::Result<()> {
    let backends = bootstrap::open_backends(settings).await?;
    let identity = backends.identity.as_ref();
    match command {
        UserCommand::Add { username, group, email, password } => {
            let email = email.unwrap_or_else(|| format!("{username}@mediaport.local"));
            let (user, generated) = users::create_user(identity, &username, &email, group, password.as_deref()).await?;
            println!("created {} ({})", user.username, user.group().as_str());
            if let Some(password) = generated {
                println!("password: {password}");
            }
        }
        UserCommand::Passwd { username, password } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(users::generate_password);
            users::set_password(identity, &username, &password).await?;
            println!("password changed for {username}");
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::Group { username, group } => {
            let user = users::set_group(identity, &username, group).await?;
            println!("{} is now {}", user.username, user.group().as_str());
        }
        UserCommand::List => {
            let all = identity.list_users().await?;
            let width = all.iter().map(|u| u.username.len()).max().unwrap_or(8).max(8);
            println!("{:width$}  {:8}  email", "username", "group");
            for user in all {
                println!("{:width$}  {:8}  {}", user.username, user.group().as_str(), user.email);
            }
        }
        UserCommand::Delete { username } => {
            users::delete_user(identity, &username).await?;
            println!("deleted {username}");
        }
    }
    Ok(())
}

//! `api admin create`: the only way to make an administrator.

use std::io::BufRead;

use anyhow::Context as _;
use prepq_schema::users;

use crate::{auth::Passwords, config::ApiConfig};

pub async fn create(config: &ApiConfig, email: &str) -> anyhow::Result<()> {
    let email = email.trim();
    anyhow::ensure!(email.contains('@'), "`{email}` is not an email address");
    prepq_schema::migrate(&config.database_url)
        .await
        .context("migrating the database")?;
    let db = prepq_schema::connect(&config.database_url, 1)?;
    let mut conn = db.get().await.context("connecting to PostgreSQL")?;
    let password = if users::find_by_email(&mut conn, email).await?.is_some() {
        None
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if let Some(reason) = crate::auth::passwords::weakness(&password, email) {
            anyhow::bail!("password refused: {reason}");
        }
        Some(password)
    };
    let hash = match &password {
        Some(password) => Some(Passwords::new(&config.argon2)?.hash(password).await?),
        None => None,
    };
    let created = users::make_admin(&mut conn, email, hash.as_deref()).await?;
    let what = if created { "created" } else { "promoted" };
    println!("{email}: administrator {what}");
    Ok(())
}

//! Sends one real resume through a running PrepQ and narrates it: what `scripts/dev` runs
//! to show the platform working.

use std::{path::PathBuf, time::Duration};

use clap::Parser;
use prepq_tests::{User, WebhookReceiver, verify, wait_until};
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    api: String,
    #[arg(long)]
    file: PathBuf,
    /// The workers' mail outbox: the demo reads its verification mail there.
    #[arg(long)]
    outbox: PathBuf,
    /// The stand-in payment provider: the demo tops up and pays there.
    #[arg(long)]
    pay: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let ready = format!("{}/readyz", args.api);
    wait_until("the API to be ready", Duration::from_secs(60), || async {
        let response = http.get(&ready).send().await.ok()?;
        response.status().is_success().then_some(())
    })
    .await;

    let email = format!("demo-{}@example.com", uuid::Uuid::now_v7().simple());
    let credentials = json!({"email": email, "password": "demo password 1"});
    http.post(format!("{}/api/v1/auth/register", args.api))
        .json(&credentials)
        .send()
        .await?
        .error_for_status()?;
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", args.api))
        .json(&credentials)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let user = User {
        http: http.clone(),
        base: args.api.clone(),
        token: login["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        refresh_token: login["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        email: email.clone(),
    };
    println!("registered and signed in as {email}");
    verify_from_outbox(&user, &args.outbox).await?;
    // A receiver of our own, as another system would run one.
    let receiver = WebhookReceiver::start().await;
    let endpoint: Value = user
        .post_json(
            "/api/v1/webhooks",
            &json!({ "url": receiver.url("/prepq"), "event_types": ["job.succeeded", "job.failed"] }),
            None,
        )
        .await
        .error_for_status()?
        .json()
        .await?;
    let secret = endpoint["secret"].as_str().unwrap_or_default().to_owned();
    println!(
        "webhook endpoint {} listens for job.succeeded and job.failed",
        receiver.url("/prepq")
    );

    let mut events = user.events("/api/v1/events").await;
    let bytes = std::fs::read(&args.file)?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let response = user.upload_to("/api/v1/resumes", bytes, &name).await;
    anyhow::ensure!(
        response.status() == 202,
        "upload refused: {}",
        response.text().await?
    );
    let location = response.headers()["location"].to_str()?.to_owned();
    let resume: Value = response.json().await?;
    let job = json!({ "id": resume["job_id"] });
    println!(
        "uploaded {name}: resume {} is read by job {}; follow it at {location}",
        resume["id"], job["id"]
    );

    loop {
        let Some(event) = events.next(Duration::from_secs(120)).await else {
            break;
        };
        if event["job_id"] != job["id"] {
            continue;
        }
        println!(
            "  event: {} (attempt {}, progress {}%)",
            event["status"], event["attempt"], event["progress"]
        );
        if matches!(
            event["status"].as_str(),
            Some("succeeded" | "failed" | "cancelled")
        ) {
            break;
        }
    }
    let done: Value = user.get(&location).await.json().await?;
    match done["status"].as_str() {
        Some("succeeded") => {
            let text = done["text"].as_str().unwrap_or_default();
            println!(
                "extracted {} characters from {} page(s); it begins:",
                text.chars().count(),
                done["pages"]
            );
            for line in text.lines().filter(|l| !l.trim().is_empty()).take(6) {
                println!("  | {line}");
            }
            let parse = &done["parse"];
            let names = |list: &str, field: &str| -> Vec<String> {
                parse[list]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|i| i[field].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            println!(
                "parsed: sections {:?}; skills {:?}; {} years of experience (confidence {})",
                names("sections", "kind"),
                names("skills", "skill"),
                parse["years_of_experience"],
                parse["confidence"]
            );
            told(&user, &receiver, &secret, &job["id"]).await?;
            diagnose(&user, &done["id"]).await?;
            interview(&user, &done["id"]).await?;
            match &args.pay {
                Some(provider) => top_up(&user, provider).await,
                None => Ok(()),
            }
        }
        _ => anyhow::bail!("the job did not succeed: {}", done["error"]),
    }
}

/// What the platform told of the finished reading: the signed webhook our receiver got
/// (its signature checked as any Standard Webhooks library would) and the inbox message.
async fn told(
    user: &User,
    receiver: &WebhookReceiver,
    secret: &str,
    job_id: &Value,
) -> anyhow::Result<()> {
    let hook = wait_until("the webhook", Duration::from_secs(60), || async {
        receiver
            .received()
            .into_iter()
            .find(|r| r.json()["data"]["job_id"] == *job_id)
    })
    .await;
    println!(
        "webhook {}: {} for job {}; signature {}",
        hook.id,
        hook.json()["type"],
        job_id,
        if verify(secret, &hook) {
            "verified"
        } else {
            "WRONG"
        }
    );
    let inbox = wait_until("the inbox message", Duration::from_secs(60), || async {
        let page: Value = user.get("/api/v1/messages").await.json().await.ok()?;
        page["items"].get(0).cloned()
    })
    .await;
    println!(
        "inbox: \"{}\" ({})",
        inbox["title"].as_str().unwrap_or_default(),
        inbox["kind"]
    );
    Ok(())
}

/// A paid diagnosis of the resume against a real job description, by the configured engine.
async fn diagnose(user: &User, resume_id: &Value) -> anyhow::Result<()> {
    let description = String::from_utf8(prepq_tests::fixture("rm_e2e_backend-eng.txt"))?;
    let request = json!({
        "resume_id": resume_id,
        "target": { "title": "Senior Backend Engineer", "description": description },
    });
    let response = user
        .call(reqwest::Method::POST, "/api/v1/diagnoses", Some(&request))
        .await;
    anyhow::ensure!(
        response.status() == 202,
        "diagnosis refused: {}",
        response.text().await?
    );
    let location = response.headers()["location"].to_str()?.to_owned();
    let view = wait_until("the diagnosis", Duration::from_secs(120), || async {
        let view: Value = user.get(&location).await.json().await.ok()?;
        matches!(view["status"].as_str(), Some("succeeded" | "failed")).then_some(view)
    })
    .await;
    let diagnosis = &view["diagnosis"];
    anyhow::ensure!(
        view["status"] == "succeeded",
        "diagnosis failed: {}",
        view["error"]
    );
    println!(
        "diagnosis against \"Senior Backend Engineer\" ({} engine): {}/100; must-haves missing: {}",
        diagnosis["engine"]["engine"],
        diagnosis["overall_score"],
        diagnosis["keywords"]["missing_must_have"]
    );
    if let Some(first) = diagnosis["suggestions"].get(0) {
        println!("  suggestion: {}", first["advice"]);
    }
    let points: Value = user.get("/api/v1/points").await.json().await?;
    println!("points left: {}", points["balance"]);
    Ok(())
}

/// A two-question practice interview over its WebSocket: each answer's feedback pushed as
/// it is scored, follow-ups skipped, then the report.
async fn interview(user: &User, resume_id: &Value) -> anyhow::Result<()> {
    let description = String::from_utf8(prepq_tests::fixture("rm_e2e_backend-eng.txt"))?;
    let request = json!({
        "resume_id": resume_id,
        "target": { "title": "Senior Backend Engineer", "description": description },
        "count": 2,
    });
    let response = user
        .call(reqwest::Method::POST, "/api/v1/interviews", Some(&request))
        .await;
    anyhow::ensure!(
        response.status() == 201,
        "interview refused: {}",
        response.text().await?
    );
    let session: Value = response.json().await?;
    let id = session["id"].as_str().unwrap_or_default().to_owned();
    let mut live = prepq_tests::LiveClient::open(user, &id).await;
    let answer = "At the time our Java services took 2000 requests per second; I was responsible for their reliability, so I added caching, timeouts and alerts, and as a result p99 latency fell by 35%.";
    let talk = async {
        loop {
            let Some(message) = live.message().await else {
                anyhow::bail!("the interview's socket closed early");
            };
            match message["type"].as_str() {
                Some("question") => {
                    println!(
                        "interview question {}: {}",
                        message["question_index"], message["question"]
                    );
                    live.send(json!({ "type": "answer", "text": answer })).await;
                }
                Some("follow_up") => {
                    println!("  follow-up (skipped): {}", message["question"]);
                    live.send(json!({ "type": "skip" })).await;
                }
                Some("feedback") => println!(
                    "  feedback: {}/100; missed: {}",
                    message["feedback"]["score"], message["feedback"]["key_points_missed"]
                ),
                Some("report_ready") => {
                    let report = &message["assessment"];
                    println!(
                        "interview report: {}/100; practise next: {}",
                        report["overall_score"], report["practise_next"]
                    );
                    return Ok(());
                }
                Some("error") => anyhow::bail!("the interview said: {}", message["message"]),
                _ => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), talk)
        .await
        .map_err(|_| anyhow::anyhow!("the interview did not end within two minutes"))??;
    let points: Value = user.get("/api/v1/points").await.json().await?;
    println!("points left: {}", points["balance"]);
    Ok(())
}

/// Buys 20 points for 10 yuan: an order with its QR code, paid at the stand-in provider,
/// whose signed notification credits the points and lifts the membership level.
async fn top_up(user: &User, provider: &str) -> anyhow::Result<()> {
    let request = json!({ "client_order_key": "demo-topup", "amount_fen": 1000 });
    let response = user
        .call(reqwest::Method::POST, "/api/v1/orders", Some(&request))
        .await;
    anyhow::ensure!(
        response.status() == 201,
        "order refused: {}",
        response.text().await?
    );
    let order: Value = response.json().await?;
    let id = order["id"].as_str().unwrap_or_default().to_owned();
    let qr = user
        .get(&format!("/api/v1/orders/{id}/qr.png"))
        .await
        .bytes()
        .await?;
    println!(
        "order {id}: 10.00 yuan for {} points; QR code of {} ({} bytes of PNG)",
        order["points"],
        order["code_url"],
        qr.len()
    );
    let trade_no = order["out_trade_no"].as_str().unwrap_or_default();
    let paid: Value = user
        .http
        .post(format!("{provider}/standin/pay/{trade_no}"))
        .send()
        .await?
        .json()
        .await?;
    println!(
        "paid at the provider; its signed notification was answered {}",
        paid["notification_answered"]
    );
    let order: Value = user
        .get(&format!("/api/v1/orders/{id}"))
        .await
        .json()
        .await?;
    let points: Value = user.get("/api/v1/points").await.json().await?;
    anyhow::ensure!(
        order["status"] == "paid",
        "the order is {}",
        order["status"]
    );
    println!(
        "order paid at {}; points now {}, membership level {}",
        order["paid_at"], points["balance"], points["level"]
    );
    Ok(())
}

/// The verification mail goes through the `email.send` queue into the outbox (no SMTP
/// host in development); find it, show it, and follow its link.
async fn verify_from_outbox(user: &User, outbox: &std::path::Path) -> anyhow::Result<()> {
    let mail = wait_until("the verification mail", Duration::from_secs(60), || async {
        let entries = std::fs::read_dir(outbox).ok()?;
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| Some((e.path(), std::fs::read(e.path()).ok()?)))
            .find(|(_, bytes)| String::from_utf8_lossy(bytes).contains(&user.email))
    })
    .await;
    let (path, bytes) = mail;
    let message = mail_parser::MessageParser::default()
        .parse(&bytes)
        .ok_or_else(|| anyhow::anyhow!("{} is not a mail", path.display()))?;
    let text = message.body_text(0).unwrap_or_default();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/auth/verify-email?token="))
        .ok_or_else(|| anyhow::anyhow!("no verification link in {}", path.display()))?;
    println!(
        "email.send wrote \"{}\" to {}",
        message.subject().unwrap_or_default(),
        path.display()
    );
    let verified: Value = user
        .http
        .get(link)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!(
        "followed its link: email_verified = {}",
        verified["email_verified"]
    );
    Ok(())
}

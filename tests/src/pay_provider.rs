//! A stand-in for WeChat Pay API v3 on 127.0.0.1, speaking its protocol with its own keys:
//! it checks our signed requests, signs its answers, opens Native transactions, "pays"
//! them when told (a scan of the QR code) by sending the signed, encrypted notification to
//! the order's notify_url, answers queries, and serves the day's trade bill. Tests edit
//! its bill to inject every mismatch the audit must catch.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use chrono::{DateTime, NaiveDate, Utc};
use poem::{
    EndpointExt, IntoResponse, Request, Response, Route, Server, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    web::{Data, Path as UrlPath},
};
use prepq_billing::provider::{
    Amount, ApiV3Key, Authorization, BillRow, Notification, SignedHeaders, SigningKey, TradeState,
    Transaction, VerifyingKey, bill, china_time, nonce,
};
use serde::Deserialize;
use serde_json::{Value, json};

pub const MCHID: &str = "1900000109";
pub const APPID: &str = "wxd678efh567hg6787";
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const PLATFORM_SERIAL: &str = "PUB_KEY_ID_0114232134912410000000000000";

/// What the stand-in holds: its keys, our public key, every transaction, its bill edits.
struct Books {
    base_url: String,
    platform: SigningKey,
    merchant: VerifyingKey,
    apiv3: ApiV3Key,
    transactions: Mutex<BTreeMap<String, Opened>>,
    bill: Mutex<BillEdits>,
    http: reqwest::Client,
    /// Transaction queries answered so far.
    queries: std::sync::atomic::AtomicUsize,
}

struct Opened {
    transaction: Transaction,
    notify_url: String,
}

/// Changes to the bill the provider would otherwise write from its transactions.
#[derive(Default)]
struct BillEdits {
    amounts: HashMap<String, i64>,
    states: HashMap<String, String>,
    dropped: Vec<String>,
    extra: BTreeMap<NaiveDate, Vec<BillRow>>,
}

pub struct PayProvider {
    pub base_url: String,
    pub apiv3_key: String,
    books: Arc<Books>,
    dir: PathBuf,
}

impl PayProvider {
    /// Starts the stand-in with its keys in a fresh directory of the test runs.
    pub async fn start() -> Self {
        let dir = crate::bin_dir()
            .join("e2e-runs")
            .join(uuid::Uuid::now_v7().simple().to_string())
            .join("payments");
        Self::start_in(&dir).await
    }

    /// Starts the stand-in; our key and its public key are written under `dir`.
    pub async fn start_in(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).expect("making the provider's key directory");
        let merchant = SigningKey::generate().expect("a merchant key");
        let platform = SigningKey::generate().expect("a platform key");
        std::fs::write(dir.join("merchant_key.pem"), merchant.to_pem()).unwrap();
        std::fs::write(dir.join("platform_public.pem"), platform.public_pem()).unwrap();
        let apiv3_key = nonce(32);
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("binding the payment provider");
        let port = acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("a TCP address")
            .port();
        let base_url = format!("http://127.0.0.1:{port}");
        let books = Arc::new(Books {
            base_url: base_url.clone(),
            platform,
            merchant: VerifyingKey::from_pem(&merchant.public_pem()).unwrap(),
            apiv3: ApiV3Key::new(&apiv3_key).unwrap(),
            transactions: Mutex::default(),
            bill: Mutex::default(),
            http: reqwest::Client::new(),
            queries: Default::default(),
        });
        let app = Route::new()
            .at("/v3/pay/transactions/native", poem::post(native))
            .at(
                "/v3/pay/transactions/out-trade-no/:no",
                poem::get(query_transaction),
            )
            .at("/v3/bill/tradebill", poem::get(trade_bill))
            .at("/v3/billdownload/file", poem::get(bill_file))
            .at("/standin/pay/:no", poem::post(pay_by_http))
            .data(books.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Self {
            base_url,
            apiv3_key,
            books,
            dir: dir.to_owned(),
        }
    }

    /// The `PREPQ_PAY_*` settings that point our API and workers here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PREPQ_PAY_BASE_URL", self.base_url.clone()),
            ("PREPQ_PAY_MCHID", MCHID.into()),
            ("PREPQ_PAY_APPID", APPID.into()),
            (
                "PREPQ_PAY_MERCHANT_KEY_FILE",
                self.dir.join("merchant_key.pem").display().to_string(),
            ),
            ("PREPQ_PAY_MERCHANT_SERIAL", MERCHANT_SERIAL.into()),
            (
                "PREPQ_PAY_PLATFORM_KEY_FILE",
                self.dir.join("platform_public.pem").display().to_string(),
            ),
            ("PREPQ_PAY_PLATFORM_SERIAL", PLATFORM_SERIAL.into()),
            ("PREPQ_PAY_APIV3_KEY", self.apiv3_key.clone()),
        ]
    }

    /// The user scans and pays: the transaction succeeds and its notification is sent.
    /// Returns the status our API answered the notification with.
    pub async fn pay(&self, out_trade_no: &str) -> StatusCode {
        self.books.pay(out_trade_no, true).await
    }

    /// The transaction succeeds but its notification never arrives.
    pub async fn pay_without_notifying(&self, out_trade_no: &str) {
        self.books.pay(out_trade_no, false).await;
    }

    /// The notification of a paid transaction, signed now, for a test to send or spoil.
    pub fn notification(&self, out_trade_no: &str, timestamp: i64) -> (SignedHeaders, String) {
        self.notification_with(out_trade_no, timestamp, |_| {})
    }

    /// `notification`, of the transaction as `change` leaves it, sealed and signed properly.
    pub fn notification_with(
        &self,
        out_trade_no: &str,
        timestamp: i64,
        change: impl FnOnce(&mut prepq_billing::provider::Transaction),
    ) -> (SignedHeaders, String) {
        let transactions = self.books.transactions.lock().unwrap();
        let mut transaction = transactions[out_trade_no].transaction.clone();
        change(&mut transaction);
        Notification::seal(
            &transaction,
            &self.books.apiv3,
            &self.books.platform,
            PLATFORM_SERIAL,
            timestamp,
        )
    }

    /// Signs `body` as the provider would.
    pub fn sign(&self, body: &str, timestamp: i64) -> SignedHeaders {
        SignedHeaders::sign(&self.books.platform, PLATFORM_SERIAL, body, timestamp)
    }

    /// How many times the API asked about a transaction.
    pub fn queries(&self) -> usize {
        self.books.queries.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn out_trade_nos(&self) -> Vec<String> {
        self.books
            .transactions
            .lock()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    /// The bill shows this amount for the order.
    pub fn bill_amount(&self, out_trade_no: &str, amount_fen: i64) {
        let mut bill = self.books.bill.lock().unwrap();
        bill.amounts.insert(out_trade_no.into(), amount_fen);
    }

    /// The bill shows this state (`REFUND`, `REVOKED`…) for the order.
    pub fn bill_state(&self, out_trade_no: &str, state: &str) {
        let mut bill = self.books.bill.lock().unwrap();
        bill.states.insert(out_trade_no.into(), state.into());
    }

    /// The bill leaves the order out.
    pub fn bill_drop(&self, out_trade_no: &str) {
        self.books
            .bill
            .lock()
            .unwrap()
            .dropped
            .push(out_trade_no.into());
    }

    /// Rows the bill of `day` shows besides the transactions opened here.
    pub fn bill_extra(&self, day: NaiveDate, rows: Vec<BillRow>) {
        let mut bill = self.books.bill.lock().unwrap();
        bill.extra.entry(day).or_default().extend(rows);
    }
}

impl Books {
    async fn pay(&self, out_trade_no: &str, notify: bool) -> StatusCode {
        let (transaction, notify_url) = {
            let mut transactions = self.transactions.lock().unwrap();
            let Some(opened) = transactions.get_mut(out_trade_no) else {
                return StatusCode::NOT_FOUND;
            };
            let t = &mut opened.transaction;
            if t.trade_state != TradeState::Success {
                t.trade_state = TradeState::Success;
                t.trade_state_desc = "支付成功".into();
                t.transaction_id = Some(format!("42000{}", &nonce(23).to_ascii_lowercase()));
                t.success_time = Some(
                    Utc::now()
                        .with_timezone(&china_time())
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                );
            }
            (t.clone(), opened.notify_url.clone())
        };
        if !notify {
            return StatusCode::OK;
        }
        let (headers, body) = Notification::seal(
            &transaction,
            &self.apiv3,
            &self.platform,
            PLATFORM_SERIAL,
            Utc::now().timestamp(),
        );
        let mut request = self.http.post(&notify_url).body(body);
        request = request.header("Content-Type", "application/json");
        for (name, value) in headers.pairs() {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => response.status(),
            Err(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// Checks the merchant's signature of a request.
    fn authorised(&self, req: &Request, body: &str) -> bool {
        let path = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
        req.headers()
            .get("Authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(Authorization::parse)
            .is_some_and(|auth| {
                auth.mchid == MCHID
                    && auth.serial_no == MERCHANT_SERIAL
                    && auth.verify(&self.merchant, req.method().as_str(), &path, body)
            })
    }

    /// A JSON answer signed with the platform key.
    fn signed(&self, status: StatusCode, value: &Value) -> Response {
        let body = value.to_string();
        let headers = SignedHeaders::sign(
            &self.platform,
            PLATFORM_SERIAL,
            &body,
            Utc::now().timestamp(),
        );
        let mut response = Response::builder()
            .status(status)
            .content_type("application/json");
        for (name, value) in headers.pairs() {
            response = response.header(name, value);
        }
        response.body(body)
    }

    fn bill_of(&self, day: NaiveDate) -> Vec<BillRow> {
        let edits = self.bill.lock().unwrap();
        let transactions = self.transactions.lock().unwrap();
        let mut rows: Vec<BillRow> = transactions
            .values()
            .map(|o| &o.transaction)
            .filter(|t| t.trade_state == TradeState::Success)
            .filter(|t| !edits.dropped.contains(&t.out_trade_no))
            .filter_map(|t| {
                let at = DateTime::parse_from_rfc3339(t.success_time.as_deref()?).ok()?;
                (at.date_naive() == day).then(|| BillRow {
                    time: at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    transaction_id: t.transaction_id.clone().unwrap_or_default(),
                    out_trade_no: t.out_trade_no.clone(),
                    trade_state: edits
                        .states
                        .get(&t.out_trade_no)
                        .cloned()
                        .unwrap_or_else(|| "SUCCESS".into()),
                    amount_fen: edits
                        .amounts
                        .get(&t.out_trade_no)
                        .copied()
                        .unwrap_or(t.amount.total),
                })
            })
            .collect();
        rows.extend(edits.extra.get(&day).cloned().unwrap_or_default());
        rows
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        poem::web::Json(json!({ "code": code, "message": message })),
    )
        .into_response()
}

#[derive(Deserialize)]
struct NativeRequest {
    appid: String,
    mchid: String,
    out_trade_no: String,
    notify_url: String,
    amount: Amount,
}

#[handler]
async fn native(req: &Request, books: Data<&Arc<Books>>, body: String) -> Response {
    if !books.authorised(req, &body) {
        return error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
    }
    let Ok(order) = serde_json::from_str::<NativeRequest>(&body) else {
        return error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    };
    if order.mchid != MCHID || order.amount.total <= 0 {
        return error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    }
    let mut transactions = books.transactions.lock().unwrap();
    if let Some(opened) = transactions.get(&order.out_trade_no)
        && opened.transaction.trade_state == TradeState::Success
    {
        return error(StatusCode::BAD_REQUEST, "ORDERPAID", "该订单已支付");
    }
    transactions.insert(
        order.out_trade_no.clone(),
        Opened {
            transaction: Transaction {
                appid: order.appid,
                mchid: order.mchid,
                out_trade_no: order.out_trade_no.clone(),
                transaction_id: None,
                trade_type: Some("NATIVE".into()),
                trade_state: TradeState::Notpay,
                trade_state_desc: "订单未支付".into(),
                success_time: None,
                amount: Amount {
                    total: order.amount.total,
                    currency: "CNY".into(),
                },
            },
            notify_url: order.notify_url,
        },
    );
    let code_url = format!("weixin://wxpay/bizpayurl?pr={}", nonce(16));
    books.signed(StatusCode::OK, &json!({ "code_url": code_url }))
}

#[handler]
async fn query_transaction(
    req: &Request,
    books: Data<&Arc<Books>>,
    no: UrlPath<String>,
) -> Response {
    if !books.authorised(req, "") {
        return error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
    }
    books
        .queries
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let transactions = books.transactions.lock().unwrap();
    match transactions.get(&no.0) {
        Some(opened) => books.signed(StatusCode::OK, &json!(opened.transaction)),
        None => error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
    }
}

#[derive(Deserialize)]
struct BillQuery {
    bill_date: NaiveDate,
}

#[handler]
async fn trade_bill(
    req: &Request,
    books: Data<&Arc<Books>>,
    query: poem::web::Query<BillQuery>,
) -> Response {
    if !books.authorised(req, "") {
        return error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
    }
    let rows = books.bill_of(query.bill_date);
    if rows.is_empty() {
        return error(StatusCode::BAD_REQUEST, "NO_STATEMENT_EXIST", "账单不存在");
    }
    let text = bill::write(APPID, MCHID, &rows);
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        text.as_bytes(),
    );
    books.signed(
        StatusCode::OK,
        &json!({
            "hash_type": "SHA1",
            "hash_value": hex::encode(digest.as_ref()),
            "download_url": format!("{}/v3/billdownload/file?token={}", books.base_url, query.bill_date),
        }),
    )
}

#[derive(Deserialize)]
struct DownloadQuery {
    token: NaiveDate,
}

#[handler]
async fn bill_file(
    req: &Request,
    books: Data<&Arc<Books>>,
    query: poem::web::Query<DownloadQuery>,
) -> Response {
    if !books.authorised(req, "") {
        return error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
    }
    let text = bill::write(APPID, MCHID, &books.bill_of(query.token));
    Response::builder()
        .content_type("text/csv; charset=utf-8")
        .body(text)
}

/// What `scripts/dev` uses to "scan" a QR code.
#[handler]
async fn pay_by_http(books: Data<&Arc<Books>>, no: UrlPath<String>) -> Response {
    let status = books.pay(&no.0, true).await;
    (
        StatusCode::OK,
        poem::web::Json(json!({ "notification_answered": status.as_u16() })),
    )
        .into_response()
}

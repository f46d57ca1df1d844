//! Recharge at the API: placing an order (and asking the provider for its QR code), taking
//! the provider's payment notifications, and what membership lets a user do.

use chrono::{DateTime, Utc};
use prepq_billing::{
    Entitlement, Level, MAX_TOPUP_FEN, MIN_TOPUP_FEN, Package, points_for_topup,
    provider::{NativeOrder, PaymentError, Provider, SignedHeaders, TradeState, Transaction},
};
use prepq_schema::{
    PooledConn, StoreError, memberships,
    orders::{self, NewOrder, Order, Payment, PaymentOutcome, Placed},
};
use redis::aio::ConnectionManager;
use uuid::Uuid;

use crate::rate_limit::{self, Quota};

/// How long a QR code may be paid.
const ORDER_VALIDITY: chrono::Duration = chrono::Duration::hours(2);

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("payments are not configured on this server")]
    NotConfigured,
    #[error("a top-up is whole yuan from {} to {} yuan", MIN_TOPUP_FEN / 100, MAX_TOPUP_FEN / 100)]
    InvalidAmount,
    #[error("give either amount_fen (a top-up) or package, not both or neither")]
    AmbiguousProduct,
    #[error("this client order key was used for another order")]
    KeyReused(Uuid),
    #[error("the payment provider could not be reached: {0}")]
    ProviderDown(PaymentError),
    #[error("the payment provider refused the order: {0}")]
    ProviderRefused(PaymentError),
    #[error("the notification is not from the provider: {0}")]
    Unauthenticated(PaymentError),
    #[error("the notification cannot be read: {0}")]
    Unreadable(PaymentError),
    #[error("this needs membership level {required} or above (you are {level})", required = .required.as_str(), level = .level.as_str())]
    NotEntitled { required: Level, level: Level },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the user wants to buy.
pub enum Product {
    TopUp { amount_fen: i64 },
    Package(Package),
}

impl Product {
    pub fn new(amount_fen: Option<i64>, package: Option<Package>) -> Result<Self, BillingError> {
        match (amount_fen, package) {
            (Some(amount_fen), None) => {
                let whole_yuan = amount_fen % 100 == 0;
                if !(MIN_TOPUP_FEN..=MAX_TOPUP_FEN).contains(&amount_fen) || !whole_yuan {
                    return Err(BillingError::InvalidAmount);
                }
                Ok(Self::TopUp { amount_fen })
            }
            (None, Some(package)) => Ok(Self::Package(package)),
            _ => Err(BillingError::AmbiguousProduct),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::TopUp { .. } => "topup",
            Self::Package(package) => package.as_str(),
        }
    }

    fn amount_fen(&self) -> i64 {
        match self {
            Self::TopUp { amount_fen } => *amount_fen,
            Self::Package(package) => package.price_fen(),
        }
    }

    fn points(&self) -> i32 {
        match self {
            Self::TopUp { amount_fen } => points_for_topup(*amount_fen) as i32,
            Self::Package(_) => 0,
        }
    }

    fn description(&self) -> String {
        match self {
            Self::TopUp { amount_fen } => {
                format!("PrepQ 充值 {} 积分", points_for_topup(*amount_fen))
            }
            Self::Package(package) => format!("PrepQ 会员 {} 天", package.days()),
        }
    }
}

/// Places the order once per client key and makes sure it has a QR code. A retry with the
/// same key returns the same order (and asks the provider again if it had failed).
pub async fn place_order(
    conn: &mut PooledConn,
    provider: Option<&Provider>,
    owner: Uuid,
    client_key: &str,
    product: &Product,
) -> Result<(Order, bool), BillingError> {
    let provider = provider.ok_or(BillingError::NotConfigured)?;
    let id = Uuid::now_v7();
    let trade_no = NewOrder::trade_no(id);
    let new = NewOrder {
        id,
        owner_id: Some(owner),
        client_key,
        out_trade_no: &trade_no,
        product: product.name(),
        amount_fen: product.amount_fen(),
        points: product.points(),
        expires_at: Utc::now() + ORDER_VALIDITY,
    };
    let (order, created) = match orders::place(conn, &new).await? {
        Placed::Created(order) => (order, true),
        Placed::Existing(order) => (order, false),
        Placed::KeyReused(order) => return Err(BillingError::KeyReused(order.id)),
    };
    if order.code_url.is_some() || order.status == orders::PAID {
        return Ok((order, created));
    }
    let code_url = provider
        .create_native(&NativeOrder {
            out_trade_no: &order.out_trade_no,
            description: &product.description(),
            amount_fen: order.amount_fen,
            expires_at: order.expires_at,
        })
        .await
        .map_err(|e| match e {
            PaymentError::Refused { .. } => BillingError::ProviderRefused(e),
            e => BillingError::ProviderDown(e),
        })?;
    Ok((
        orders::set_code_url(conn, order.id, &code_url).await?,
        created,
    ))
}

/// Checks a payment notification and applies it: the order paid, its points and
/// membership credited, all at most once.
pub async fn receive_notification(
    conn: &mut PooledConn,
    provider: Option<&Provider>,
    headers: Option<&SignedHeaders>,
    body: &str,
) -> Result<(), BillingError> {
    let provider = provider.ok_or(BillingError::NotConfigured)?;
    let transaction = provider
        .open_notification(headers, body, Utc::now().timestamp())
        .map_err(|e| {
            if e.is_unauthenticated() {
                BillingError::Unauthenticated(e)
            } else {
                BillingError::Unreadable(e)
            }
        })?;
    apply(conn, &transaction).await.map(drop)
}

/// A pending order whose notification may have been lost: asks the provider, and applies a
/// payment it reports exactly as the notification would have. The provider being down is
/// not the caller's problem: the order is shown as it is.
pub async fn refresh(
    conn: &mut PooledConn,
    redis: &ConnectionManager,
    provider: Option<&Provider>,
    order: Order,
) -> Result<Order, BillingError> {
    let Some(provider) = provider else {
        return Ok(order);
    };
    if order.status != orders::PENDING || order.code_url.is_none() {
        return Ok(order);
    }
    // However often a client polls, the provider is asked about an order once a window.
    let order_key = order.id.to_string();
    if rate_limit::hit(redis, "order-query", &order_key, PROVIDER_QUERIES)
        .await
        .is_err()
    {
        return Ok(order);
    }
    match provider.query(&order.out_trade_no).await {
        Ok(Some(transaction)) if transaction.trade_state == TradeState::Success => {
            Ok(apply(conn, &transaction).await?.unwrap_or(order))
        }
        Ok(_) => Ok(order),
        Err(e) => {
            tracing::warn!(order = %order.id, error = %e, "could not ask the provider about a pending order");
            Ok(order)
        }
    }
}

const PRICE_CURRENCY: &str = "CNY";

/// The first polls of a new order ask at once (the payment is likeliest then); a client
/// that keeps polling is answered from our record between them.
const PROVIDER_QUERIES: Quota = Quota {
    max: 6,
    window: std::time::Duration::from_secs(60),
};

/// Applies a transaction the provider reported; returns its order as it now stands, when
/// there is one.
async fn apply(
    conn: &mut PooledConn,
    transaction: &Transaction,
) -> Result<Option<Order>, BillingError> {
    if transaction.trade_state != TradeState::Success {
        tracing::info!(trade_no = %transaction.out_trade_no, state = transaction.trade_state.as_str(), "a transaction without a payment");
        return Ok(None);
    }
    // Our prices are in fen of yuan: a payment in another currency is not credited, and
    // the audit shows it to a person.
    if transaction.amount.currency != PRICE_CURRENCY {
        tracing::error!(trade_no = %transaction.out_trade_no, currency = %transaction.amount.currency, "a payment in another currency; not credited");
        return Ok(None);
    }
    let paid_at = transaction
        .success_time
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let payment = Payment {
        out_trade_no: &transaction.out_trade_no,
        transaction_id: transaction.transaction_id.as_deref().unwrap_or_default(),
        amount_fen: transaction.amount.total,
        paid_at,
    };
    // Anything but a clean payment is acknowledged (the provider would only send it again)
    // and left for the audit, which reports it to a person.
    Ok(match orders::record_payment(conn, &payment).await? {
        PaymentOutcome::Applied(order) => {
            tracing::info!(order = %order.id, trade_no = %order.out_trade_no, "order paid");
            metrics::counter!("prepq_orders_paid_total").increment(1);
            Some(order)
        }
        PaymentOutcome::AlreadyPaid(order) => {
            tracing::info!(order = %order.id, "payment reported again; already applied");
            Some(order)
        }
        PaymentOutcome::UnknownOrder => {
            tracing::error!(trade_no = %payment.out_trade_no, "payment for an order we don't have");
            None
        }
        PaymentOutcome::AmountDiffers { order, paid_fen } => {
            tracing::error!(order = %order.id, expected = order.amount_fen, paid = paid_fen, "payment of a different amount; not credited");
            Some(order)
        }
    })
}

/// The caller's level now, if it allows `entitlement`; else why not.
pub async fn require(
    conn: &mut PooledConn,
    user: Uuid,
    entitlement: Entitlement,
) -> Result<Level, BillingError> {
    let level = memberships::find(conn, user).await?.level_now();
    if level.allows(entitlement) {
        return Ok(level);
    }
    Err(BillingError::NotEntitled {
        required: Level::lowest_allowing(entitlement),
        level,
    })
}

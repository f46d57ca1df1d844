//! The long-lived services of a worker process, and how a job kind takes the ones it
//! names: a kind that sends mail gets the mailer, not the crawler.

use std::sync::Arc;

use prepq_billing::provider::Provider;
use prepq_schema::{BlobStore, DbPool, resume_parses::Readings};

use prepq_crawler::OutboundPolicy;
use redis::aio::ConnectionManager;

use crate::{
    config::{CrawlConfig, ExtractLimits, NotifyConfig, WebhookConfig},
    engines::{Engine, email::Mailer, reading::ChildSlots, webhook::WebhookSender},
    store::JobStore,
};

#[derive(Clone)]
pub struct Services {
    pub db: DbPool,
    pub blobs: BlobStore,
    pub limits: ExtractLimits,
    pub children: ChildSlots,
    pub mailer: Arc<Mailer>,
    pub engine: Engine,
    pub crawl: CrawlConfig,
    pub outbound: OutboundPolicy,
    pub webhook_sender: Arc<WebhookSender>,
    pub webhooks: WebhookConfig,
    pub notify: NotifyConfig,
    /// For publishing what clients' streams carry.
    pub redis: ConnectionManager,
    /// The payment provider; `None` when payments are not configured.
    pub payments: Option<Arc<Provider>>,
    pub store: Arc<JobStore>,
    /// Resumes' readings for analyses, fetched together across concurrent jobs.
    pub readings: Arc<Readings>,
}

/// A service (or a tuple of them) a job kind can ask for.
pub trait FromServices {
    fn from_services(services: &Services) -> Self;
}

impl FromServices for () {
    fn from_services(_: &Services) -> Self {}
}

impl<A: FromServices, B: FromServices> FromServices for (A, B) {
    fn from_services(services: &Services) -> Self {
        (A::from_services(services), B::from_services(services))
    }
}

impl<A: FromServices, B: FromServices, C: FromServices> FromServices for (A, B, C) {
    fn from_services(services: &Services) -> Self {
        (
            A::from_services(services),
            B::from_services(services),
            C::from_services(services),
        )
    }
}

impl<A: FromServices, B: FromServices, C: FromServices, D: FromServices> FromServices
    for (A, B, C, D)
{
    fn from_services(services: &Services) -> Self {
        (
            A::from_services(services),
            B::from_services(services),
            C::from_services(services),
            D::from_services(services),
        )
    }
}

macro_rules! service {
    ($type:ty, $field:ident) => {
        impl FromServices for $type {
            fn from_services(services: &Services) -> Self {
                services.$field.clone()
            }
        }
    };
}

service!(DbPool, db);
service!(BlobStore, blobs);
service!(ExtractLimits, limits);
service!(ChildSlots, children);
service!(Arc<Mailer>, mailer);
service!(Engine, engine);
service!(CrawlConfig, crawl);
service!(OutboundPolicy, outbound);
service!(Arc<WebhookSender>, webhook_sender);
service!(WebhookConfig, webhooks);
service!(NotifyConfig, notify);
service!(ConnectionManager, redis);
service!(Option<Arc<Provider>>, payments);
service!(Arc<Readings>, readings);

//! Carrying out the background job's effects: the worker's side of [`crate::job::SyncJob`].
//!
//! The job's record is loaded once per worker and kept in memory; intents change it there
//! and store it whole, and the running job writes it with each of its steps, so neither's
//! write undoes the other's. What to do and in which order is the machine's; this loop only
//! reads what it asks for, sends its requests and writes its batches.

use futures_util::future::LocalBoxFuture;
use futures_util::stream::{FuturesOrdered, StreamExt};

use super::*;

impl<P: Platform> Worker<P> {
    /// "Sync now" (or the ally fixed what a job waited for): due at once.
    pub(super) async fn request_run(&self) -> Result<(), Problem> {
        self.change_job(|job| job.schedule.request_manual()).await?;
        Ok(())
    }

    /// Loads the job record once per worker.
    pub(super) async fn ensure_job(&self) -> Result<(), StoreError> {
        self.ensure_job_with(None).await
    }

    /// Whether the job record is still to be loaded (a read of several keys may take it too).
    pub(super) fn job_unloaded(&self) -> bool {
        self.job.borrow().is_none()
    }

    /// Loads the job record once per worker; `stored`: the record as just read with other
    /// keys, if it was.
    pub(super) async fn ensure_job_with(
        &self,
        stored: Option<JobRecord>,
    ) -> Result<(), StoreError> {
        if self.job.borrow().is_some() {
            return Ok(());
        }
        let _one_at_a_time = self.job_lock.lock().await;
        if self.job.borrow().is_some() {
            return Ok(());
        }
        let record = match stored {
            Some(record) => record,
            None => load_job_record(self.store()).await?,
        };
        *self.job.borrow_mut() = Some(SyncJob::new(record, self.instance));
        Ok(())
    }

    /// The job record as it stands.
    pub(super) async fn job_record(&self) -> Result<JobRecord, StoreError> {
        self.ensure_job().await?;
        Ok(self
            .job
            .borrow()
            .as_ref()
            .map(|job| job.record().clone())
            .unwrap_or_default())
    }

    /// Changes the job record (an intent's change) and stores it; a run in progress carries the
    /// change on in its own writes.
    pub(super) async fn change_job<R>(
        &self,
        change: impl FnOnce(&mut JobRecord) -> R,
    ) -> Result<R, StoreError> {
        self.ensure_job().await?;
        let (result, text) = {
            let mut slot = self.job.borrow_mut();
            let job = slot.get_or_insert_with(|| SyncJob::new(JobRecord::default(), self.instance));
            let result = job.change(change);
            (result, crate::json::to_string(job.record()))
        };
        let text = text.map_err(|e| StoreError::Encode {
            key: keys::JOB.name.to_string(),
            reason: e.to_string(),
        })?;
        self.store()
            .set(keys::JOB.area, &keys::JOB.name, text)
            .await?;
        Ok(result)
    }

    /// Runs every job that is due, one at a time, then asks to be woken for the next one.
    /// Called on every alarm, at start-up, and after intents that start work. The order of
    /// the steps and what each saves is [`SyncJob`]'s; this only carries its effects out.
    pub async fn run_jobs(&self) -> Result<(), StoreError> {
        let Some(_only_runner) = self.run_lock.try_lock() else {
            return Ok(());
        };
        self.ensure_job().await?;
        let result = self.drive().await;
        if result.is_err() {
            // The record in memory may be ahead of storage: read it again next time.
            *self.job.borrow_mut() = None;
        }
        result
    }

    pub(super) async fn drive(&self) -> Result<(), StoreError> {
        // The upload batches on their way, oldest first (see [`Effect::Batches`]).
        let mut in_flight = FuturesOrdered::new();
        loop {
            let now_ms = self.platform.now_ms();
            let effect = match self.job.borrow_mut().as_mut() {
                Some(job) => job.poll(now_ms),
                None => return Ok(()),
            };
            match &effect {
                Effect::Write(_) | Effect::Batches { fresh: false, .. } => {}
                _ => in_flight = FuturesOrdered::new(),
            }
            let event = match effect {
                Effect::Done { wake_at } => {
                    if let Some(at) = wake_at {
                        self.platform.wake_at(at.saturating_mul(1000)).await;
                    }
                    return Ok(());
                }
                Effect::Load(need) => Event::Loaded(self.load(need).await?),
                Effect::Cookie => Event::Cookie(self.platform.linkedin_jsessionid().await),
                Effect::LinkedIn(request) => Event::LinkedIn(self.platform.linkedin(request).await),
                Effect::Backend {
                    request,
                    authed: true,
                } => Event::Backend(self.authed(|| request.clone()).await),
                Effect::Backend {
                    request,
                    authed: false,
                } => Event::Backend(self.platform.backend(request).await.map_err(Into::into)),
                Effect::Batches { send, .. } => {
                    for request in send {
                        let sent: LocalBoxFuture<'_, _> =
                            Box::pin(async move { self.authed(|| request.clone()).await });
                        in_flight.push_back(sent);
                    }
                    Event::Backend(in_flight.next().await.unwrap_or_else(|| {
                        Err(ApiFailure::BadResponse("no upload batch in flight".into()))
                    }))
                }
                Effect::Write(writes) => {
                    store::apply(self.store(), writes).await?;
                    Event::Written
                }
                Effect::WriteAndSend { writes, request } => {
                    let (written, answer) = futures_util::future::join(
                        store::apply(self.store(), writes),
                        self.platform.linkedin(request),
                    )
                    .await;
                    written?;
                    self.hand_over(Event::Written);
                    Event::LinkedIn(answer)
                }
                Effect::Fold {
                    pages,
                    replace,
                    held,
                } => Event::Folded {
                    contacts: self.fold(pages, replace, held).await?,
                },
                Effect::Sleep { until_ms } => {
                    let now_ms = self.platform.now_ms();
                    self.platform
                        .sleep_ms(until_ms.saturating_sub(now_ms))
                        .await;
                    Event::Woke
                }
            };
            self.hand_over(event);
        }
    }

    /// Gives the job what came of its effect.
    fn hand_over(&self, event: Event) {
        let (now_ms, random) = (self.platform.now_ms(), self.platform.random());
        if let Some(job) = self.job.borrow_mut().as_mut() {
            job.handle(event, now_ms, random);
        }
    }

    /// What the job asked to read.
    pub(super) async fn load(&self, need: Need) -> Result<Loaded, StoreError> {
        Ok(match need {
            Need::Start => Loaded::Start {
                signed_in: self.signed_in().await?,
                sharing: self.sharing_anywhere().await?,
                next_asks_at: self.next_asks_check().await?,
            },
            Need::Read => Loaded::Read {
                settings: store::load::<ReadSettings>(self.store(), keys::READ_SETTINGS)
                    .await?
                    .unwrap_or_default(),
                known: contact_list::known_keys(&self.contacts().await?),
            },
            Need::Sharing => Loaded::Sharing(self.sharing_anywhere().await?),
            Need::Upload => {
                let list = self.contacts().await?;
                let excluded = self.excluded(&list).await?;
                Loaded::Upload(Box::new(UploadInputs {
                    base: self.backend_url().await?,
                    excluded,
                    list,
                    ledger: store::load::<Ledger>(self.store(), keys::LEDGER)
                        .await?
                        .unwrap_or_default(),
                    limits: store::load::<SyncLimits>(self.store(), keys::SYNC_LIMITS)
                        .await?
                        .unwrap_or_default(),
                }))
            }
        })
    }

    /// Folds a complete read's pages into the contact list (the pages' contacts as the job
    /// held them, or one read of them all from storage; then one removal), and says how many
    /// contacts the list holds then.
    pub(super) async fn fold(
        &self,
        pages: u32,
        replace: bool,
        held: Option<Vec<ContactRecord>>,
    ) -> Result<u32, StoreError> {
        let pages: Vec<_> = (0..pages).map(keys::read_page).collect();
        let read_contacts: Vec<ContactRecord> = match held {
            Some(contacts) => contacts,
            None => store::load_many(self.store(), &pages)
                .await?
                .into_iter()
                .flatten()
                .flatten()
                .collect(),
        };
        let count = self
            .update_contacts(|list| {
                if replace {
                    contact_list::replace(list, &read_contacts)
                } else {
                    contact_list::merge(list, &read_contacts)
                }
            })
            .await?;
        store::forget_many(self.store(), &pages).await?;
        Ok(count)
    }
}

/// The stored job record; an earlier version's four records are read once into it (and
/// removed), so an extension that updates keeps its schedule, its read and its upload.
pub async fn load_job_record(store: &impl Store) -> Result<JobRecord, StoreError> {
    if let Some(record) = store::load(store, keys::JOB).await? {
        return Ok(record);
    }
    let old = store
        .get_many(Area::Durable, &keys::LEGACY_JOB_RECORDS)
        .await?;
    pub(super) fn decode<T: serde::de::DeserializeOwned>(text: &Option<String>) -> Option<T> {
        text.as_deref().and_then(|t| crate::json::from_str(t).ok())
    }
    let upgraded = JobRecord::upgrade(
        decode::<Schedule>(&old[0]),
        decode(&old[1]),
        decode(&old[2]),
        decode::<LegacyWork>(&old[3]),
    );
    let Some(record) = upgraded else {
        return Ok(JobRecord::default());
    };
    store::save(store, keys::JOB, &record).await?;
    store
        .remove_many(Area::Durable, &keys::LEGACY_JOB_RECORDS)
        .await?;
    Ok(record)
}

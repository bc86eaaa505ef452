//! The contacts read, the ally's exclusions and the CSV import.
//!
//! The rules kept here: the list is stored in buckets by key, each kept in key order, and
//! only a bucket whose contacts changed is written (a quiet sync rewrites nothing); one change
//! of the list at a time; exclusions are in the protocol's key rule (older ones rewritten once)
//! and an exclusion asks for a full upload (only a full one removes from the server).

use std::cell::Cell;
use std::rc::Rc;

use super::*;

/// The contact list's buckets.
type Buckets = Vec<Vec<ContactRecord>>;

/// The contact list's buckets as this worker last read or wrote them, so that the upload after
/// a fold, the next read's known keys and the popup's list do not read (and decode) 30,000
/// contacts again. Only the list's own writers change the stored buckets (`update_contacts`,
/// `forget_contacts`): each calls [`HeldList::changing`] before it writes, and what was read
/// or written is kept only when no other change began meanwhile.
#[derive(Default)]
pub(super) struct HeldList {
    buckets: RefCell<Option<Rc<Buckets>>>,
    generation: Cell<u64>,
}

impl HeldList {
    fn get(&self) -> Option<Rc<Buckets>> {
        self.buckets.borrow().clone()
    }

    /// Where changes stand: hand it to [`HeldList::keep`] with what was read since.
    fn generation(&self) -> u64 {
        self.generation.get()
    }

    /// A change of the stored buckets begins: what is held may no longer be what is stored.
    /// The generation the writer keeps its own result under.
    pub(super) fn changing(&self) -> u64 {
        *self.buckets.borrow_mut() = None;
        self.generation.set(self.generation.get() + 1);
        self.generation.get()
    }

    /// Holds `buckets` unless a change began since `generation`.
    fn keep(&self, generation: u64, buckets: Rc<Buckets>) {
        if self.generation.get() == generation {
            *self.buckets.borrow_mut() = Some(buckets);
        }
    }
}

impl<P: Platform> Worker<P> {
    /// The contacts read so far (all buckets).
    pub async fn contacts(&self) -> Result<Vec<ContactRecord>, StoreError> {
        Ok(self.contact_buckets().await?.concat())
    }

    /// Every bucket: as this worker last read or wrote them, or read in one storage call.
    pub(super) async fn contact_buckets(&self) -> Result<Rc<Buckets>, StoreError> {
        if let Some(buckets) = self.held_list.get() {
            return Ok(buckets);
        }
        let generation = self.held_list.generation();
        let names: Vec<_> = (0..CONTACT_BUCKETS).map(keys::contact_bucket).collect();
        let buckets: Rc<Buckets> = Rc::new(
            store::load_many(self.store(), &names)
                .await?
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect(),
        );
        self.held_list.keep(generation, Rc::clone(&buckets));
        Ok(buckets)
    }

    /// Replaces the contact list by `change(current list)`, one change at a time, and says how
    /// many contacts it holds then. Only the buckets whose contacts changed are written (each
    /// bucket is kept in key order, so the same contacts are the same bucket), in one storage
    /// call: a quiet sync rewrites nothing.
    pub(super) async fn update_contacts(
        &self,
        change: impl FnOnce(&[ContactRecord]) -> Vec<ContactRecord>,
    ) -> Result<u32, StoreError> {
        let _one_at_a_time = self.contacts_lock.lock().await;
        let before = self.contact_buckets().await?;
        let changed = change(&before.concat());
        let count = changed.len() as u32;
        let mut after: Vec<Vec<(String, ContactRecord)>> =
            vec![Vec::new(); CONTACT_BUCKETS as usize];
        for c in changed {
            // Merged lists hold keyed contacts only; one stored without a key sorts first.
            let key = c.key().unwrap_or_default();
            after[bucket_of(&key) as usize].push((key, c));
        }
        let after: Buckets = after
            .into_iter()
            .map(|mut bucket| {
                bucket.sort_by(|x, y| x.0.cmp(&y.0));
                bucket.into_iter().map(|(_, c)| c).collect()
            })
            .collect();
        let writes: Vec<_> = before
            .iter()
            .zip(&after)
            .enumerate()
            .filter(|(_, (old, new))| old != new)
            .map(|(b, (_, new))| crate::job::Write::set(&keys::contact_bucket(b as u64), new))
            .collect();
        if writes.is_empty() {
            return Ok(count);
        }
        let generation = self.held_list.changing();
        store::apply(self.store(), writes).await?;
        self.held_list.keep(generation, Rc::new(after));
        Ok(count)
    }

    pub(super) async fn import_csv(&self, text: &str) -> Result<(), Problem> {
        let import =
            crate::linkedin::csv::import(text.as_bytes()).map_err(|e| Problem::CsvUnreadable {
                detail: e.to_string(),
            })?;
        let count = self
            .update_contacts(|list| contact_list::merge(list, &import.contacts))
            .await?;
        self.change_job(|job| job.view.contacts = count).await?;
        self.request_run().await
    }

    /// The ally's exclusions, in the protocol's key rule: a set stored by an earlier version
    /// under its own rule is rewritten once, here, against `list` (see
    /// [`Exclusions::canonical`]).
    pub(super) async fn excluded(&self, list: &[ContactRecord]) -> Result<Exclusions, StoreError> {
        let stored: Exclusions = store::load(self.store(), keys::EXCLUDED)
            .await?
            .unwrap_or_default();
        match stored.canonical(list) {
            Some(canonical) => {
                store::save(self.store(), keys::EXCLUDED, &canonical).await?;
                Ok(canonical)
            }
            None => Ok(stored),
        }
    }

    pub(super) async fn contact_page(
        &self,
        offset: u32,
        limit: u32,
        query: Option<&str>,
    ) -> Result<ContactPage, StoreError> {
        let mut list = self.contacts().await?;
        let excluded = self.excluded(&list).await?;
        // Newest connections first, then by name: the order LinkedIn shows.
        list.sort_by(|a, b| {
            b.connected_on
                .cmp(&a.connected_on)
                .then_with(|| a.display_name().cmp(&b.display_name()))
        });
        let needle = query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_lowercase);
        let matching: Vec<&ContactRecord> = list
            .iter()
            .filter(|c| match &needle {
                None => true,
                Some(q) => [Some(c.display_name()), c.headline.clone()]
                    .iter()
                    .flatten()
                    .any(|field| field.to_lowercase().contains(q.as_str())),
            })
            .collect();
        let items = matching
            .iter()
            .skip(offset as usize)
            .take(limit.min(500) as usize)
            .map(|c| ContactRow {
                key: c.key().unwrap_or_default(),
                name: c.display_name(),
                headline: c.headline.clone(),
                profile_url: c.profile_url.clone(),
                connected_on: c.connected_on.clone(),
                excluded: excluded.contains(c),
            })
            .collect();
        Ok(ContactPage {
            total: matching.len() as u32,
            excluded: list.iter().filter(|c| excluded.contains(c)).count() as u32,
            items,
        })
    }

    pub(super) async fn set_excluded(&self, key: String, exclude: bool) -> Result<(), Problem> {
        let list = self.contacts().await?;
        let mut excluded = self.excluded(&list).await?;
        if excluded.set(&list, &key, exclude) {
            store::save(self.store(), keys::EXCLUDED, &excluded).await?;
            // An exclusion removes the contact from the server: only a full upload can.
            self.change_job(|job| job.needs_full = true).await?;
        }
        Ok(())
    }
}

//! One list of [`Repository`](super::Repository)'s operations for both backends: each
//! delegates to its aggregate's module with the backend's pool, the module path resolving
//! where the macro is used (`db::lists` on SQLite, `db::pg::lists` on PostgreSQL). So a new
//! operation is one line here plus a function of the same name and arguments in each
//! backend's module — the compiler says which one is missing.

/// `#[async_trait] impl Repository for $repo` (a type with a `pool` field), in a module whose
/// aggregate modules (`invitations`, `mail`, `people`, `sessions`, `password_reset`, `sync`,
/// `network`, `ask_mail`, `console`, `members`, `lists`, `imports`) are in scope.
/// `impl_repository!(Repo, { fn … })` adds the items in braces to the impl: a backend's own
/// answer to an operation with a default (such as `shared_buckets`).
macro_rules! impl_repository {
    ($repo:ty) => {
        impl_repository!($repo, {});
    };
    ($repo:ty, { $($own:tt)* }) => {
        #[async_trait::async_trait]
        impl Repository for $repo {
            $($own)*

            async fn create_invitation(
                &self,
                inv: &NewInvitation,
            ) -> Result<CreateOutcome, RepoError> {
                invitations::create_invitation(&self.pool, inv).await
            }

            async fn create_invitations(
                &self,
                invs: &[NewInvitation],
            ) -> Result<Vec<CreateOutcome>, RepoError> {
                invitations::create_invitations(&self.pool, invs).await
            }

            async fn member_emails(
                &self,
                network_id: i64,
            ) -> Result<std::collections::HashSet<String>, RepoError> {
                invitations::member_emails(&self.pool, network_id).await
            }

            async fn pending_invitation_emails(
                &self,
                network_id: i64,
                now: i64,
            ) -> Result<std::collections::HashSet<String>, RepoError> {
                invitations::pending_invitation_emails(&self.pool, network_id, now).await
            }

            async fn claim_mail(
                &self,
                now: i64,
                per_minute: u32,
            ) -> Result<Vec<ClaimedMail>, RepoError> {
                mail::claim(&self.pool, now, per_minute).await
            }

            async fn issue_invitation_token(
                &self,
                invitation_id: i64,
                token_hash: &str,
                now: i64,
            ) -> Result<Option<InvitationRecord>, RepoError> {
                mail::issue_token(&self.pool, invitation_id, token_hash, now).await
            }

            async fn finish_mail(
                &self,
                mail_id: i64,
                done: &MailDone,
                now: i64,
            ) -> Result<(), RepoError> {
                mail::finish(&self.pool, mail_id, done, now).await
            }

            async fn find_invitation(
                &self,
                token_hash: &str,
            ) -> Result<Option<InvitationRecord>, RepoError> {
                invitations::find_invitation(&self.pool, token_hash).await
            }

            async fn network_name(&self, network_id: i64) -> Result<Option<String>, RepoError> {
                invitations::network_name(&self.pool, network_id).await
            }

            async fn network_id(&self, name: &str) -> Result<Option<i64>, RepoError> {
                invitations::network_id(&self.pool, name).await
            }

            async fn is_member(&self, network_id: i64, email: &str) -> Result<bool, RepoError> {
                invitations::is_member(&self.pool, network_id, email).await
            }

            async fn has_pending_invitation(
                &self,
                network_id: i64,
                email: &str,
                now: i64,
            ) -> Result<bool, RepoError> {
                invitations::has_pending_invitation(&self.pool, network_id, email, now).await
            }

            async fn list_invitations(
                &self,
                network_id: i64,
            ) -> Result<Vec<InvitationRecord>, RepoError> {
                invitations::list_invitations(&self.pool, network_id).await
            }

            async fn invitation_by_id(
                &self,
                network_id: i64,
                invitation_id: i64,
            ) -> Result<Option<InvitationRecord>, RepoError> {
                invitations::invitation_by_id(&self.pool, network_id, invitation_id).await
            }

            async fn revoke_invitation(
                &self,
                network_id: i64,
                invitation_id: i64,
                now: i64,
            ) -> Result<bool, RepoError> {
                invitations::revoke_invitation(&self.pool, network_id, invitation_id, now).await
            }

            async fn find_person_by_email(
                &self,
                email: &str,
            ) -> Result<Option<PersonRecord>, RepoError> {
                people::find_person_by_email(&self.pool, email).await
            }

            async fn accept_invitation(
                &self,
                invitation_id: i64,
                password_hash: Option<&str>,
                now: i64,
            ) -> Result<AcceptOutcome, RepoError> {
                invitations::accept_invitation(&self.pool, invitation_id, password_hash, now).await
            }

            async fn create_session(
                &self,
                person_id: i64,
                tokens: &TokenHashes,
                now: i64,
            ) -> Result<i64, RepoError> {
                sessions::create_session(&self.pool, person_id, tokens, now).await
            }

            async fn session_for_access_token(
                &self,
                access_hash: &str,
                now: i64,
            ) -> Result<Option<SessionRef>, RepoError> {
                sessions::session_for_access_token(&self.pool, access_hash, now).await
            }

            async fn rotate_refresh_token(
                &self,
                old_refresh_hash: &str,
                new: &TokenHashes,
                now: i64,
            ) -> Result<RefreshOutcome, RepoError> {
                sessions::rotate_refresh_token(&self.pool, old_refresh_hash, new, now).await
            }

            async fn revoke_session(&self, session_id: i64) -> Result<(), RepoError> {
                sessions::revoke_session(&self.pool, session_id).await
            }

            async fn me(&self, person_id: i64) -> Result<Option<Me>, RepoError> {
                people::me(&self.pool, person_id).await
            }

            async fn role_in(
                &self,
                person_id: i64,
                network_id: i64,
            ) -> Result<Option<Role>, RepoError> {
                people::role_in(&self.pool, person_id, network_id).await
            }

            async fn set_sharing(
                &self,
                person_id: i64,
                network_id: i64,
                sharing: bool,
                now: i64,
            ) -> Result<SharingOutcome, RepoError> {
                people::set_sharing(&self.pool, person_id, network_id, sharing, now).await
            }

            async fn leave_network(
                &self,
                person_id: i64,
                network_id: i64,
                now: i64,
            ) -> Result<bool, RepoError> {
                people::leave_network(&self.pool, person_id, network_id, now).await
            }

            async fn delete_account(&self, person_id: i64) -> Result<bool, RepoError> {
                people::delete_account(&self.pool, person_id).await
            }

            async fn change_password(
                &self,
                person_id: i64,
                password_hash: &str,
            ) -> Result<u64, RepoError> {
                people::change_password(&self.pool, person_id, password_hash).await
            }

            async fn request_password_reset(
                &self,
                email: &str,
                now: i64,
                lapse_secs: i64,
                hourly_limit: u32,
            ) -> Result<$crate::db::password_reset::ResetRequested, RepoError> {
                password_reset::request(&self.pool, email, now, lapse_secs, hourly_limit).await
            }

            async fn issue_password_reset_token(
                &self,
                reset_id: i64,
                token_hash: &str,
                now: i64,
                valid_secs: i64,
            ) -> Result<Option<$crate::db::password_reset::ResetRecipient>, RepoError> {
                password_reset::issue_token(&self.pool, reset_id, token_hash, now, valid_secs).await
            }

            async fn find_password_reset(
                &self,
                token_hash: &str,
            ) -> Result<Option<$crate::db::password_reset::PasswordResetRecord>, RepoError> {
                password_reset::find(&self.pool, token_hash).await
            }

            async fn complete_password_reset(
                &self,
                reset_id: i64,
                password_hash: &str,
                now: i64,
            ) -> Result<Option<i64>, RepoError> {
                password_reset::complete(&self.pool, reset_id, password_hash, now).await
            }

            async fn open_sync(
                &self,
                person_id: i64,
                kind: SyncKind,
                now: i64,
            ) -> Result<OpenSyncOutcome, RepoError> {
                sync::open(&self.pool, person_id, kind, now).await
            }

            async fn put_batch(
                &self,
                person_id: i64,
                batch: &NewBatch<'_>,
                now: i64,
            ) -> Result<BatchOutcome, RepoError> {
                sync::put_batch(&self.pool, person_id, batch, now).await
            }

            async fn batch_hash(
                &self,
                person_id: i64,
                session_id: i64,
                seq: u32,
            ) -> Result<Option<String>, RepoError> {
                sync::batch_hash(&self.pool, person_id, session_id, seq).await
            }

            async fn commit_sync(
                &self,
                person_id: i64,
                session_id: i64,
                batch_count: u32,
                now: i64,
            ) -> Result<CommitOutcome, RepoError> {
                sync::commit(&self.pool, person_id, session_id, batch_count, now).await
            }

            async fn abort_sync(
                &self,
                person_id: i64,
                session_id: i64,
                now: i64,
            ) -> Result<Option<&'static str>, RepoError> {
                sync::abort(&self.pool, person_id, session_id, now).await
            }

            async fn contact_digest(&self, person_id: i64) -> Result<ContactDigest, RepoError> {
                sync::digest(&self.pool, person_id).await
            }

            async fn network_contacts(
                &self,
                network_id: i64,
                query: &ContactQuery,
            ) -> Result<(Vec<NetworkContact>, Option<ContactPosition>), RepoError> {
                network::list_contacts(&self.pool, network_id, query).await
            }

            async fn network_contact(
                &self,
                network_id: i64,
                key: &str,
            ) -> Result<Option<NetworkContact>, RepoError> {
                network::network_contact(&self.pool, network_id, key).await
            }

            async fn index_search_words(&self) -> Result<u64, RepoError> {
                network::index_search_words(&self.pool).await
            }

            async fn sharing_allies(&self, network_id: i64) -> Result<Vec<PersonRef>, RepoError> {
                network::sharing_allies(&self.pool, network_id).await
            }

            async fn network_asks_page(
                &self,
                network_id: i64,
                state: Option<IntroAskState>,
                page: AsksPage,
            ) -> Result<Vec<IntroAsk>, RepoError> {
                network::list_asks(&self.pool, Some(network_id), None, state, page).await
            }

            async fn create_ask(&self, ask: &NewIntroAsk<'_>) -> Result<AskOutcome, RepoError> {
                network::create_ask(&self.pool, ask).await
            }

            async fn ask_mail(
                &self,
                ally_id: i64,
            ) -> Result<Option<$crate::db::ask_mail::AskMail>, RepoError> {
                ask_mail::content(&self.pool, ally_id).await
            }

            async fn preferences(
                &self,
                person_id: i64,
            ) -> Result<Option<allyshare_protocol::Preferences>, RepoError> {
                ask_mail::preferences(&self.pool, person_id).await
            }

            async fn set_preferences(
                &self,
                person_id: i64,
                preferences: &allyshare_protocol::Preferences,
            ) -> Result<Option<allyshare_protocol::Preferences>, RepoError> {
                ask_mail::set_preferences(&self.pool, person_id, preferences).await
            }

            async fn list_asks(
                &self,
                network_id: Option<i64>,
                ally_id: Option<i64>,
                state: Option<IntroAskState>,
            ) -> Result<Vec<IntroAsk>, RepoError> {
                network::list_asks(&self.pool, network_id, ally_id, state, AsksPage::default())
                    .await
            }

            async fn answer_ask(
                &self,
                ally_id: i64,
                ask_id: i64,
                outcome: IntroOutcome,
                reason: Option<&str>,
                now: i64,
            ) -> Result<AnswerOutcome, RepoError> {
                network::answer_ask(&self.pool, ally_id, ask_id, outcome, reason, now).await
            }

            async fn create_handoff_grant(
                &self,
                person_id: i64,
                secret_hash: &str,
                now: i64,
                expires_at: i64,
            ) -> Result<(), RepoError> {
                sessions::create_handoff_grant(&self.pool, person_id, secret_hash, now, expires_at)
                    .await
            }

            async fn create_handoff_code(
                &self,
                grant_hash: &str,
                code_hash: &str,
                challenge: &str,
                now: i64,
                expires_at: i64,
            ) -> Result<bool, RepoError> {
                sessions::create_handoff_code(
                    &self.pool, grant_hash, code_hash, challenge, now, expires_at,
                )
                .await
            }

            async fn redeem_handoff_code(
                &self,
                code_hash: &str,
                challenge: &str,
                now: i64,
            ) -> Result<HandoffRedeem, RepoError> {
                sessions::redeem_handoff_code(&self.pool, code_hash, challenge, now).await
            }

            async fn create_console_session(
                &self,
                person_id: i64,
                token_hash: &str,
                now: i64,
                expires_at: i64,
                idle_secs: i64,
            ) -> Result<i64, RepoError> {
                console::create_session(
                    &self.pool, person_id, token_hash, now, expires_at, idle_secs,
                )
                .await
            }

            async fn console_session(
                &self,
                token_hash: &str,
                now: i64,
                idle_secs: i64,
            ) -> Result<Option<$crate::db::console::ConsoleSession>, RepoError> {
                console::find_session(&self.pool, token_hash, now, idle_secs).await
            }

            async fn end_console_session(&self, session_id: i64) -> Result<(), RepoError> {
                console::end_session(&self.pool, session_id).await
            }

            async fn team(
                &self,
                query: &$crate::db::console::TeamQuery,
            ) -> Result<(Vec<$crate::db::console::TeamRow>, i64), RepoError> {
                console::team(&self.pool, query).await
            }

            async fn pending_invitation_id(
                &self,
                network_id: i64,
                email: &str,
                now: i64,
            ) -> Result<Option<i64>, RepoError> {
                console::pending_invitation_id(&self.pool, network_id, &normalize_email(email), now)
                    .await
            }

            async fn access_in(
                &self,
                person_id: i64,
                network_id: i64,
            ) -> Result<Option<$crate::db::members::Access>, RepoError> {
                members::access(&self.pool, person_id, network_id).await
            }

            async fn sole_manager_of(&self, person_id: i64) -> Result<Vec<i64>, RepoError> {
                members::sole_manager_of(&self.pool, person_id).await
            }

            async fn member(
                &self,
                network_id: i64,
                person_id: i64,
            ) -> Result<Option<$crate::db::members::MemberRecord>, RepoError> {
                members::member(&self.pool, network_id, person_id).await
            }

            async fn set_member_access(
                &self,
                network_id: i64,
                person_id: i64,
                access: $crate::db::members::Access,
                log: &$crate::db::members::NewAuditEntry<'_>,
            ) -> Result<$crate::db::members::MemberChange, RepoError> {
                members::set_access(&self.pool, network_id, person_id, access, log).await
            }

            async fn remove_member(
                &self,
                network_id: i64,
                person_id: i64,
                log: &$crate::db::members::NewAuditEntry<'_>,
            ) -> Result<$crate::db::members::MemberChange, RepoError> {
                members::remove(&self.pool, network_id, person_id, log).await
            }

            async fn record_audit(
                &self,
                entry: &$crate::db::members::NewAuditEntry<'_>,
            ) -> Result<(), RepoError> {
                members::record(&self.pool, entry).await
            }

            async fn audit_log(
                &self,
                network_id: i64,
                before: Option<i64>,
                limit: i64,
            ) -> Result<Vec<$crate::db::members::AuditEntry>, RepoError> {
                members::audit_log(&self.pool, network_id, before, limit).await
            }

            async fn intro_lists(
                &self,
                network_id: i64,
            ) -> Result<Vec<allyshare_protocol::IntroList>, RepoError> {
                lists::lists(&self.pool, network_id).await
            }

            async fn intro_list(
                &self,
                network_id: i64,
                list_id: i64,
            ) -> Result<Option<allyshare_protocol::IntroList>, RepoError> {
                lists::list(&self.pool, network_id, list_id).await
            }

            async fn create_intro_list(
                &self,
                network_id: i64,
                name: &str,
                by: i64,
                now: i64,
            ) -> Result<$crate::db::lists::ListNameOutcome, RepoError> {
                lists::create(&self.pool, network_id, name, by, now).await
            }

            async fn rename_intro_list(
                &self,
                network_id: i64,
                list_id: i64,
                name: &str,
                now: i64,
            ) -> Result<$crate::db::lists::ListNameOutcome, RepoError> {
                lists::rename(&self.pool, network_id, list_id, name, now).await
            }

            async fn delete_intro_list(
                &self,
                network_id: i64,
                list_id: i64,
            ) -> Result<Option<allyshare_protocol::IntroList>, RepoError> {
                lists::delete(&self.pool, network_id, list_id).await
            }

            async fn add_list_entries(
                &self,
                network_id: i64,
                list_id: i64,
                keys: &[String],
                by: i64,
                now: i64,
            ) -> Result<$crate::db::lists::AddOutcome, RepoError> {
                lists::add_entries(&self.pool, network_id, list_id, keys, by, now).await
            }

            async fn remove_list_entries(
                &self,
                network_id: i64,
                list_id: i64,
                keys: &[String],
                now: i64,
            ) -> Result<Option<u64>, RepoError> {
                lists::remove_entries(&self.pool, network_id, list_id, keys, now).await
            }

            async fn list_entries(
                &self,
                network_id: i64,
                list_id: i64,
            ) -> Result<Vec<allyshare_protocol::IntroListEntry>, RepoError> {
                lists::entries(&self.pool, network_id, list_id).await
            }

            async fn ask_for_list(
                &self,
                network_id: i64,
                list_id: i64,
                admin_id: i64,
                note: &str,
                now: i64,
            ) -> Result<Option<allyshare_protocol::ListAskResult>, RepoError> {
                lists::ask_all(&self.pool, network_id, list_id, admin_id, note, now).await
            }

            async fn store_pending_import(
                &self,
                new: &$crate::db::imports::NewPendingImport<'_>,
            ) -> Result<i64, RepoError> {
                imports::store_pending(&self.pool, new).await
            }

            async fn pending_import(
                &self,
                kind: $crate::db::imports::ImportKind,
                network_id: i64,
                person_id: i64,
                import_id: i64,
                now: i64,
            ) -> Result<Option<$crate::db::imports::PendingImport>, RepoError> {
                imports::pending(&self.pool, kind, network_id, person_id, import_id, now).await
            }

            async fn take_pending_import(
                &self,
                kind: $crate::db::imports::ImportKind,
                network_id: i64,
                person_id: i64,
                import_id: i64,
                now: i64,
            ) -> Result<Option<$crate::db::imports::PendingImport>, RepoError> {
                imports::take_pending(&self.pool, kind, network_id, person_id, import_id, now).await
            }

            async fn finish_import(
                &self,
                kind: $crate::db::imports::ImportKind,
                network_id: i64,
                import_id: i64,
                report_json: &str,
            ) -> Result<(), RepoError> {
                imports::finish(&self.pool, kind, network_id, import_id, report_json).await
            }

            async fn import_record(
                &self,
                kind: $crate::db::imports::ImportKind,
                network_id: i64,
                import_id: i64,
                now: i64,
            ) -> Result<Option<$crate::db::imports::ImportRecord>, RepoError> {
                imports::record(&self.pool, kind, network_id, import_id, now).await
            }

            async fn import_mail_progress(
                &self,
                network_id: i64,
                import_id: i64,
            ) -> Result<$crate::db::imports::MailProgress, RepoError> {
                imports::mail_progress(&self.pool, network_id, import_id).await
            }

            fn companies(&self) -> &dyn $crate::db::companies::Companies {
                self
            }

            fn intros(&self) -> &dyn $crate::db::intro_requests::IntroRequests {
                self
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}

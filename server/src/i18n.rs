//! The pages in English and French, like the extension (`extension/_locales`), whose French
//! words the pages use (allié, admin du réseau, relations, mise en relation, partage…).
//!
//! **Which language.** Per request: the `lang` cookie set by the switch in every page's footer
//! (a plain form, [`SWITCH`]), else the first supported language of `Accept-Language` by
//! q-value, else English. [`scope`] (a layer around every route) works it out once and keeps
//! it for the request in a task-local, so that every page, every field error and every
//! failure page (even those answered before a handler runs, like the cross-site refusals)
//! speaks it without threading it through each function; handlers that want it as a value
//! take the [`Lang`] extractor.
//!
//! **The words.** One catalog, [`Messages`], with [`EN`] and [`FR`] side by side in one list
//! (`catalog!`): a string without its French is a compile error. Templates read `{{ m.x }}`
//! (every page's `m` is a [`Ui`]) and values from users stay escaped: the catalog holds no HTML,
//! a sentence with markup is split around it. Sentences with values are small functions
//! below (`fn invitation_sent(lang, …)`).
//!
//! **Numbers and dates** as the reader's language writes them: [`number`] (`1,234` or `1 234`,
//! a narrow no-break space between thousands), [`date`] (`2 Jun 2025` or `2 juin 2025`,
//! `1er mars 2024`). A CSV a French page offers (an import's results, a list's export) has
//! French headers and `;` between values, as a spreadsheet set to French reads a CSV.
//!
//! **What the services say in English** (the API's words: [`crate::csvfile::CsvError`],
//! [`crate::lists::ListError`], [`crate::passwords::PasswordProblem`], the protocol's bounds)
//! stays English for the API; a page words it again from the error's parts here
//! ([`csv_error`], [`list_error`], [`password_problem`], [`too_long`]). The audit log's details
//! and an import's per-row messages are stored as the API returns them; their pages read them
//! back into their parts (`console::members`, `console::import`).
//!
//! Emails stay English: who reads them (an invitee, an ally) chose no language here.

use std::cell::RefCell;
use std::ops::Deref;

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

/// The cookie the language switch sets.
pub const COOKIE_NAME: &str = "allyshare_lang";
/// Where the footer's switch posts.
pub const SWITCH: &str = "/lang";
/// Longest `back` path the switch redirects to.
pub const BACK_MAX: usize = 2048;

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 tag (`<html lang>`, the cookie's value).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The words of the pages in this language.
    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }

    /// The language's own name (the switch offers it by that name).
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// The language of a request: the cookie, else `Accept-Language`, else English.
    pub fn of_request(headers: &HeaderMap) -> Lang {
        cookie_lang(headers)
            .or_else(|| {
                headers
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(accepted)
            })
            .unwrap_or_default()
    }
}

fn cookie_lang(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .and_then(|(_, value)| Lang::parse(value))
}

/// The supported language an `Accept-Language` value prefers most (`fr-CA;q=0.9, en;q=0.8`):
/// the highest q-value, the first listed among equals; `q=0` is a refusal.
pub fn accepted(header: &str) -> Option<Lang> {
    let mut best: Option<(Lang, f32)> = None;
    for item in header.split(',').take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let Some(lang) = Lang::parse(&primary) else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((lang, q));
        }
    }
    best.map(|(lang, _)| lang)
}

/// What one request's pages need to know about their language.
struct PageContext {
    lang: Lang,
    /// Where the switch brings the person back to (this page's path).
    back: String,
    /// This browser's form token, once the cross-site layer knows it (the switch is a form).
    form_token: RefCell<Option<String>>,
}

tokio::task_local! {
    static PAGE: PageContext;
}

/// The layer around every route: the request's language, for everything that answers it.
pub async fn scope(request: Request, next: Next) -> Response {
    let lang = Lang::of_request(request.headers());
    let uri = request.uri();
    let back = if request.method() == Method::GET {
        uri.path_and_query()
            .map_or(uri.path(), |pq| pq.as_str())
            .to_string()
    } else {
        uri.path().to_string()
    };
    let context = PageContext {
        lang,
        back,
        form_token: RefCell::new(None),
    };
    let mut response = PAGE.scope(context, next.run(request)).await;
    response
        .headers_mut()
        .append("vary", HeaderValue::from_static("accept-language, cookie"));
    response
}

/// The cross-site layer tells the pages the form token (for the footer's switch).
pub fn note_form_token(token: &str) {
    let _ = PAGE.try_with(|page| *page.form_token.borrow_mut() = Some(token.to_string()));
}

/// The language of the request being answered (English outside a request).
pub fn lang() -> Lang {
    PAGE.try_with(|page| page.lang).unwrap_or_default()
}

/// The words of the request being answered.
pub fn m() -> &'static Messages {
    lang().messages()
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PAGE
            .try_with(|page| page.lang)
            .unwrap_or_else(|_| Lang::of_request(&parts.headers)))
    }
}

/// The footer's switch to the other language.
#[derive(Debug, Clone)]
pub struct Switch {
    pub form_token: String,
    pub back: String,
    pub to: &'static str,
    pub to_name: &'static str,
}

/// What every page's frame needs (each template's `m`): the words (through `Deref`, so a
/// template reads `{{ m.sign_in }}`), and the language switch when the page knows this
/// browser's form token.
#[derive(Debug, Clone)]
pub struct Ui {
    pub words: &'static Messages,
    pub switch: Option<Switch>,
}

impl Ui {
    /// The frame of the page answering the current request.
    pub fn current() -> Ui {
        let lang = lang();
        let other = match lang {
            Lang::En => Lang::Fr,
            Lang::Fr => Lang::En,
        };
        let switch = PAGE
            .try_with(|page| {
                page.form_token.borrow().clone().map(|form_token| Switch {
                    form_token,
                    back: page.back.clone(),
                    to: other.code(),
                    to_name: other.own_name(),
                })
            })
            .ok()
            .flatten();
        Ui {
            words: lang.messages(),
            switch,
        }
    }
}

impl Default for Ui {
    fn default() -> Self {
        Ui::current()
    }
}

impl Deref for Ui {
    type Target = Messages;
    fn deref(&self) -> &Messages {
        self.words
    }
}

/// Where the switch may send the person back: a path of this server, else its home.
pub fn safe_back(back: &str) -> &str {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && back.len() <= BACK_MAX
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if ok {
        back
    } else {
        "/admin"
    }
}

/// Defines [`Messages`] and both catalogs from one list of `name: English, French;`.
macro_rules! catalog {
    ($($name:ident: $en:expr, $fr:expr;)*) => {
        /// Every fixed string of the pages.
        #[derive(Debug)]
        pub struct Messages {
            $(pub $name: &'static str,)*
        }
        pub static EN: Messages = Messages { $($name: $en,)* };
        pub static FR: Messages = Messages { $($name: $fr,)* };
        impl Messages {
            /// `(name, text)` of every string (for the tests).
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($name), self.$name),)*]
            }
        }
    };
}

/// Strings that are the same word in both languages on purpose.
pub const SAME_IN_BOTH: &[&str] = &["brand", "nav_contacts", "ir_message", "ir_cv"];

catalog! {
    // The frame.
    lang_code: "en", "fr";
    brand: "AllyShare", "AllyShare";
    brand_console: "Console", "Console d’administration";
    terms_of_service: "Terms of Service", "Conditions d’utilisation";
    language_label: "Language", "Langue";
    sign_out: "Sign out", "Se déconnecter";
    nav_console: "Console", "Console d’administration";
    nav_settings: "Settings", "Paramètres";
    nav_team: "Team Members", "Membres de l’équipe";
    nav_invite: "Invite Member", "Inviter un membre";
    nav_audit: "Audit log", "Journal d’audit";
    nav_contacts: "Contacts", "Contacts";
    nav_asks: "Asks", "Demandes de mise en relation";
    nav_lists: "Introduction lists", "Listes de mises en relation";
    nav_all_networks: "All networks", "Tous les réseaux";
    pages: "Pages", "Pages de résultats";
    none_dash: "—", "—";
    colon: ":", " :";

    // Failure pages.
    forbidden_heading: "You cannot open this page", "Vous ne pouvez pas ouvrir cette page";
    forbidden_1: "Only the Network Admins of a network can see and change its team, and nothing was changed.",
        "Seuls les admins d’un réseau peuvent voir et modifier son équipe ; rien n’a été modifié.";
    forbidden_2: "If you should be one, ask a Network Admin of that network to invite you as a Network Admin.",
        "Si vous devriez en être, demandez à un admin de ce réseau de vous inviter comme admin du réseau.";
    not_permitted_heading: "Your permissions do not allow this", "Vos autorisations ne le permettent pas";
    not_permitted_1: "Your permissions in this network do not include this, and nothing was changed.",
        "Vos autorisations dans ce réseau ne le permettent pas ; rien n’a été modifié.";
    not_permitted_2: "If you need it, ask a Network Admin who manages roles and permissions to change yours.",
        "Si vous en avez besoin, demandez à un admin qui gère les rôles et autorisations de modifier les vôtres.";
    not_found_heading: "Page not found", "Page introuvable";
    not_found_1: "There is nothing at this address.", "Il n’y a rien à cette adresse.";
    went_wrong_heading: "Something went wrong", "Une erreur s’est produite";
    went_wrong_1: "Please try again in a moment.", "Réessayez dans un instant.";
    went_wrong_nothing_changed: "Please try again in a moment. Nothing was changed.",
        "Réessayez dans un instant. Rien n’a été modifié.";
    cross_site_heading: "This form cannot be sent from here", "Ce formulaire ne peut pas être envoyé d’ici";
    cross_site_1: "For your safety, forms on this site are only accepted from its own pages, and nothing was changed.",
        "Pour votre sécurité, ce site n’accepte que les formulaires de ses propres pages ; rien n’a été modifié.";
    cross_site_2: "Go back to the page, reload it, and send the form again.",
        "Revenez à la page, rechargez-la et renvoyez le formulaire.";
    too_large_heading: "This is too large to send", "C’est trop volumineux pour être envoyé";
    too_large_form: "The form is larger than this site accepts, and nothing was changed.",
        "Le formulaire dépasse ce que ce site accepte ; rien n’a été modifié.";

    // Invitation links.
    used_heading: "This invitation has already been used", "Cette invitation a déjà été utilisée";
    used_1: "Your AllyShare account is already set up.", "Votre compte AllyShare est déjà configuré.";
    used_2: "Sign in with the AllyShare extension, using your email address and password.",
        "Connectez-vous avec l’extension AllyShare, avec votre adresse e-mail et votre mot de passe.";
    expired_heading: "This invitation has expired", "Cette invitation a expiré";
    expired_2: "Ask your network admin to send you a new invitation.",
        "Demandez à l’admin de votre réseau de vous envoyer une nouvelle invitation.";
    invalid_heading: "This invitation link is not valid", "Ce lien d’invitation n’est pas valide";
    invalid_1: "Check that you opened the whole link from your invitation email. If you were invited again, only the newest email's link works.",
        "Vérifiez que vous avez ouvert le lien complet de votre e-mail d’invitation. Si vous avez été invité à nouveau, seul le lien du dernier e-mail fonctionne.";
    invalid_2: "If it still does not work, ask your network admin for a new invitation.",
        "Si cela ne fonctionne toujours pas, demandez une nouvelle invitation à l’admin de votre réseau.";
    handoff_sign_in_heading: "Sign in from the extension", "Connectez-vous depuis l’extension";
    handoff_sign_in_1: "Open the AllyShare extension and sign in with your email address and password.",
        "Ouvrez l’extension AllyShare et connectez-vous avec votre adresse e-mail et votre mot de passe.";
    handoff_title: "Connecting the extension", "Connexion de l’extension";
    handoff_heading: "Connecting the AllyShare extension", "Connexion de l’extension AllyShare";
    handoff_connecting: "Connecting…", "Connexion…";
    handoff_waiting: "Once the AllyShare extension is installed, it signs in by itself.",
        "Une fois l’extension AllyShare installée, elle se connecte d’elle-même.";
    handoff_done: "Almost done: confirm your account in the AllyShare extension. You can close this tab.",
        "C’est presque fini : confirmez votre compte dans l’extension AllyShare. Vous pouvez fermer cet onglet.";
    handoff_fallback: "If the extension asks, sign in with your email and password.",
        "Si l’extension le demande, connectez-vous avec votre adresse e-mail et votre mot de passe.";

    // Get Started.
    join: "Join", "Rejoindre";
    hi: "Hi", "Bonjour";
    invited_to_join: "you've been invited to join", "vous avez été invité à rejoindre";
    on_allyshare: "on AllyShare.", "sur AllyShare.";
    choose_password_for: "Choose a password for", "Choisissez un mot de passe pour";
    accept_to_start: "and accept the terms to get started.", "et acceptez les conditions pour commencer.";
    existing_account_for: "You already have an AllyShare account for", "Vous avez déjà un compte AllyShare pour";
    existing_enter_password: ": enter its password and accept the terms to add", " : saisissez son mot de passe et acceptez les conditions pour ajouter";
    to_your_account: "to your account.", "à votre compte.";
    fix_following: "Please fix the following:", "Corrigez les points suivants :";
    choose_password: "Choose a password", "Choisissez un mot de passe";
    password_hint: "At least 8 characters. A few unrelated words make a strong password that is easy to remember.",
        "Au moins 8 caractères. Quelques mots sans rapport entre eux font un mot de passe solide et facile à retenir.";
    confirm_password: "Confirm your password", "Confirmez votre mot de passe";
    your_password: "Your AllyShare password", "Votre mot de passe AllyShare";
    accept_the: "I accept the", "J’accepte les";
    get_started: "Get started", "Commencer";
    err_enter_account_password: "Please enter the password of your AllyShare account.",
        "Saisissez le mot de passe de votre compte AllyShare.";
    err_passwords_differ: "The two passwords do not match.", "Les deux mots de passe ne correspondent pas.";
    err_accept_terms: "Please accept the Terms of Service to continue.",
        "Acceptez les conditions d’utilisation pour continuer.";
    err_wrong_account_password: "That is not the password of this account. Please try again.",
        "Ce n’est pas le mot de passe de ce compte. Réessayez.";
    err_choose_password: "Please choose a password for your account.",
        "Choisissez un mot de passe pour votre compte.";
    err_password_too_common: "This password is too common and easy to guess. Please choose another one.",
        "Ce mot de passe est trop courant et facile à deviner. Choisissez-en un autre.";

    // The guide.
    welcome_to: "Welcome to", "Bienvenue dans";
    guide_existing: "We added this network to your existing AllyShare account: sign in with your existing password.",
        "Nous avons ajouté ce réseau à votre compte AllyShare existant : connectez-vous avec votre mot de passe habituel.";
    guide_ready: "Your account is ready. Three steps and you're set:",
        "Votre compte est prêt. Trois étapes et c’est parti :";
    step1_title: "Connect LinkedIn", "Connecter LinkedIn";
    step1_text: "Install the AllyShare extension and sign in, and it reads the connections of the LinkedIn account already open in your browser, without ever sending your LinkedIn password or cookies anywhere.",
        "Installez l’extension AllyShare et connectez-vous : elle lit les relations du compte LinkedIn déjà ouvert dans votre navigateur, sans jamais envoyer nulle part votre mot de passe ni vos cookies LinkedIn.";
    step2_title: "Help with meaningful introductions", "Aider à des mises en relation utiles";
    step2_before: "Your connections are shared with", "Vos relations sont partagées avec";
    step2_after: "so it can spot warm paths to the people it wants to meet, and you can stop sharing at any time.",
        "pour qu’il repère les chemins de confiance vers les personnes qu’il veut rencontrer, et vous pouvez arrêter le partage à tout moment.";
    step3_title: "Make an introduction when asked", "Faire une mise en relation quand on vous le demande";
    step3_before: "Now and then", "De temps en temps,";
    step3_after: "may ask you to introduce someone you know, and you decide each time whether to make the introduction.",
        "peut vous demander de présenter quelqu’un que vous connaissez, et vous décidez à chaque fois de faire ou non la mise en relation.";
    add_to_chrome: "Add to Chrome", "Ajouter à Chrome";
    developers_before: "Developers: build the extension and load the", "Développeurs : construisez l’extension et chargez le dossier";
    developers_after: "folder unpacked (chrome://extensions, Developer mode, Load unpacked).",
        "non empaqueté (chrome://extensions, Mode développeur, Charger l’extension non empaquetée).";

    // Terms.
    terms_intro: "These terms apply to AllyShare, a service that lets you share your LinkedIn connections with the professional networks that invite you.",
        "Ces conditions s’appliquent à AllyShare, un service qui vous permet de partager vos relations LinkedIn avec les réseaux professionnels qui vous invitent.";
    terms_what_heading: "What you share", "Ce que vous partagez";
    terms_what: "For each connection: their LinkedIn member id and profile address, first and last name, headline, the date you connected, and a photo reference. Never emails, phone numbers, messages, or your LinkedIn password or cookies.",
        "Pour chaque relation : son identifiant de membre et l’adresse de son profil LinkedIn, son prénom et son nom, son titre, la date de votre mise en relation et une référence de photo. Jamais d’adresses e-mail, de numéros de téléphone, de messages, ni votre mot de passe ou vos cookies LinkedIn.";
    terms_who_heading: "Who sees it", "Qui les voit";
    terms_who: "Only the networks you choose to share with, and within each network only its admins. A network admin may ask you for an introduction; you decide whether to make it.",
        "Seuls les réseaux avec lesquels vous choisissez de partager, et dans chaque réseau seulement ses admins. Un admin du réseau peut vous demander une mise en relation ; vous décidez de la faire ou non.";
    terms_control_heading: "Your control", "Vous gardez la main";
    terms_control: "You can turn sharing off for any network at any time, which removes your connections from that network's view at once. Stopping sharing with every network deletes your connections from the server.",
        "Vous pouvez désactiver le partage avec n’importe quel réseau à tout moment, ce qui retire aussitôt vos relations de la vue de ce réseau. Arrêter le partage avec tous les réseaux supprime vos relations du serveur.";
    terms_account_heading: "Your account", "Votre compte";
    terms_account_1: "Keep your password to yourself. Your password is stored only as a salted hash.",
        "Gardez votre mot de passe pour vous. Il n’est conservé que sous forme d’empreinte salée.";
    terms_account_2: "Deleting your account deletes everything the server holds about you, in every network: your account (your name, email address and password), your memberships, every connection you shared, the introduction requests about them, and the invitations sent to your email address.",
        "Supprimer votre compte supprime tout ce que le serveur conserve sur vous, dans tous les réseaux : votre compte (votre nom, votre adresse e-mail et votre mot de passe), vos adhésions, toutes les relations que vous avez partagées, les demandes de mise en relation qui les concernent et les invitations envoyées à votre adresse e-mail.";
    terms_account_3: "You can delete it yourself, at any time: in the console (Your account, then Delete my account) or from the extension's options, with your password.",
        "Vous pouvez le supprimer vous-même, à tout moment : dans la console d’administration (Votre compte, puis Supprimer mon compte) ou depuis les options de l’extension, avec votre mot de passe.";

    // The privacy policy (`/privacy`, issue 17). Its deletion paragraphs are the Terms' own
    // strings (`terms_control`, `terms_account_2`), so the two pages cannot say different things.
    privacy_policy: "Privacy policy", "Politique de confidentialité";
    privacy_intro: "This policy covers the AllyShare browser extension and this AllyShare server: what they collect, why, who sees it, and how it is deleted.",
        "Cette politique couvre l’extension de navigateur AllyShare et ce serveur AllyShare : ce qu’ils collectent, pourquoi, qui le voit et comment c’est supprimé.";
    privacy_read_heading: "What the extension reads", "Ce que l’extension lit";
    privacy_read: "Using the LinkedIn session already open in your browser, the extension reads the list of your first-degree connections from LinkedIn, in your browser; or, if you choose, the Connections.csv file of your own LinkedIn data export. It reads nothing else: not your messages, not the pages you visit.",
        "Avec la session LinkedIn déjà ouverte dans votre navigateur, l’extension lit la liste de vos relations directes sur LinkedIn, dans votre navigateur ; ou, si vous le choisissez, le fichier Connections.csv de votre propre export de données LinkedIn. Elle ne lit rien d’autre : ni vos messages, ni les pages que vous visitez.";
    privacy_sent_heading: "What is sent to the AllyShare server", "Ce qui est envoyé au serveur AllyShare";
    privacy_sent_when: "Your connections are sent only while you share with at least one network, and never those you keep out in the extension.",
        "Vos relations ne sont envoyées que tant que vous partagez avec au moins un réseau, et jamais celles que vous tenez à l’écart dans l’extension.";
    privacy_sent_account: "About you: your name and email address (from your invitation), your password when you sign in (the server keeps only a salted hash of it), the networks you share with, your answers to introduction asks (with the reason you give, if any), and whether you want emails about asks.",
        "Sur vous : votre nom et votre adresse e-mail (ceux de votre invitation), votre mot de passe quand vous vous connectez (le serveur n’en garde qu’une empreinte salée), les réseaux avec lesquels vous partagez, vos réponses aux demandes de mise en relation (avec la raison que vous donnez, le cas échéant), et si vous voulez des e-mails au sujet de ces demandes.";
    privacy_stays_heading: "What never leaves your browser", "Ce qui ne quitte jamais votre navigateur";
    privacy_stays: "Your LinkedIn cookies and your LinkedIn password. The extension uses your LinkedIn session only to ask LinkedIn for your connections, from your browser; the AllyShare server never talks to LinkedIn.",
        "Vos cookies LinkedIn et votre mot de passe LinkedIn. L’extension n’utilise votre session LinkedIn que pour demander vos relations à LinkedIn, depuis votre navigateur ; le serveur AllyShare ne communique jamais avec LinkedIn.";
    privacy_why_heading: "Why", "Pourquoi";
    privacy_why: "Only so that the networks you choose can find warm paths to the people they want to meet and ask you for introductions, and so that you can sign in and answer those asks.",
        "Uniquement pour que les réseaux que vous choisissez trouvent des chemins de confiance vers les personnes qu’ils veulent rencontrer et vous demandent des mises en relation, et pour que vous puissiez vous connecter et répondre à ces demandes.";
    privacy_never_heading: "What is never done with it", "Ce qui n’en est jamais fait";
    privacy_never: "Your data is not sold, not rented, not used for advertising, not used to decide creditworthiness or lending, and not passed to anyone beyond the networks you share with.",
        "Vos données ne sont ni vendues, ni louées, ni utilisées pour de la publicité ou pour évaluer une solvabilité ou un crédit, et ne sont transmises à personne d’autre que les réseaux avec lesquels vous partagez.";
    privacy_delete_heading: "Deleting your data", "Supprimer vos données";
    privacy_security_heading: "Keeping it safe", "Protéger vos données";
    privacy_security: "The extension keeps its sign-in tokens and your connections in the browser's storage for extensions, closed to the script it runs on LinkedIn's pages, and talks to the server over HTTPS (except a server on your own computer).",
        "L’extension garde ses jetons de connexion et vos relations dans le stockage que le navigateur réserve aux extensions, fermé au script qu’elle exécute dans les pages de LinkedIn, et communique avec le serveur en HTTPS (sauf un serveur sur votre propre ordinateur).";
    privacy_questions_heading: "Any questions?", "Des questions ?";
    privacy_questions: "Ask the Network Admin who invited you, or whoever runs this AllyShare server.",
        "Posez-les à l’admin du réseau qui vous a invité, ou à qui exploite ce serveur AllyShare.";
    privacy_see_also: "See also the", "Voir aussi les";
    terms_see_also: "How your data is handled:", "Comment vos données sont traitées :";

    // Sign in, password reset.
    sign_in_title: "Sign in", "Connexion";
    sign_in_heading: "Sign in to the console", "Se connecter à la console d’administration";
    sign_in_for: "For the Network Admins of a network on AllyShare.", "Pour les admins d’un réseau sur AllyShare.";
    email_address: "Email address", "Adresse e-mail";
    password: "Password", "Mot de passe";
    sign_in_button: "Sign in", "Se connecter";
    forgot_link: "Forgot password?", "Mot de passe oublié ?";
    signed_out: "You have signed out.", "Vous êtes déconnecté.";
    err_sign_in_empty: "Please enter your email address and your password.",
        "Saisissez votre adresse e-mail et votre mot de passe.";
    err_sign_in_wrong: "The email or password is incorrect.",
        "L’adresse e-mail ou le mot de passe est incorrect.";
    forgot_title: "Forgot password", "Mot de passe oublié";
    forgot_heading: "Forgot your password?", "Mot de passe oublié ?";
    forgot_intro: "Enter the email address of your AllyShare account. We will send you a link to choose a new password.",
        "Saisissez l’adresse e-mail de votre compte AllyShare. Nous vous enverrons un lien pour choisir un nouveau mot de passe.";
    send_link: "Send the link", "Envoyer le lien";
    back_to_sign_in: "Back to sign in", "Retour à la connexion";
    err_enter_email: "Please enter your email address.", "Saisissez votre adresse e-mail.";
    sent_title: "Check your email", "Consultez vos e-mails";
    sent_if_account: "If an account exists for", "Si un compte existe pour";
    sent_we_sent: ", we sent a link to it to choose a new password.", ", nous y avons envoyé un lien pour choisir un nouveau mot de passe.";
    sent_once: "The link works once, for 1 hour. Setting a new password signs you out everywhere: the console and the browser extension.",
        "Le lien fonctionne une fois, pendant 1 heure. Choisir un nouveau mot de passe vous déconnecte partout : la console d’administration et l’extension du navigateur.";
    sent_no_email: "No email after a few minutes? Check the address and your spam folder, then", "Pas d’e-mail après quelques minutes ? Vérifiez l’adresse et vos courriers indésirables, puis";
    ask_new_link_lower: "ask for a new link", "demandez un nouveau lien";
    reset_title: "Choose a new password", "Choisissez un nouveau mot de passe";
    reset_for: "For your AllyShare account,", "Pour votre compte AllyShare,";
    reset_ends_sessions: ". Once it is set, every session of this account ends (the console and the browser extension), and you sign in again with the new password.",
        ". Une fois choisi, toutes les sessions de ce compte prennent fin (la console d’administration et l’extension du navigateur), et vous vous reconnectez avec le nouveau mot de passe.";
    check_fields: "Please check the fields marked below.", "Vérifiez les champs signalés ci-dessous.";
    new_password: "New password", "Nouveau mot de passe";
    confirm_new_password: "Confirm the new password", "Confirmez le nouveau mot de passe";
    set_new_password: "Set the new password", "Enregistrer le nouveau mot de passe";
    err_choose_new_password: "Please choose a new password.", "Choisissez un nouveau mot de passe.";
    err_type_again: "Please type the new password again.", "Saisissez à nouveau le nouveau mot de passe.";
    link_nothing_changed: "Nothing was changed: your password is the same as before. To choose a new one, ask for a new link; it works once, for 1 hour.",
        "Rien n’a été modifié : votre mot de passe est le même qu’avant. Pour en choisir un nouveau, demandez un nouveau lien ; il fonctionne une fois, pendant 1 heure.";
    ask_new_link: "Ask for a new link", "Demander un nouveau lien";
    link_used: "This link was used already", "Ce lien a déjà été utilisé";
    link_expired: "This link has expired", "Ce lien a expiré";
    link_invalid: "This link is not valid", "Ce lien n’est pas valide";
    password_set_notice: "Your new password is set, and every session of your account has ended. Sign in with the new password.",
        "Votre nouveau mot de passe est enregistré, et toutes les sessions de votre compte ont pris fin. Connectez-vous avec le nouveau mot de passe.";
    link_used_reason: "A password reset link works only once, and this one has set a password already.",
        "Un lien de réinitialisation ne fonctionne qu’une fois, et celui-ci a déjà servi à choisir un mot de passe.";
    link_expired_reason: "A password reset link works for 1 hour after it is sent, and this one is older.",
        "Un lien de réinitialisation fonctionne pendant 1 heure après son envoi, et celui-ci est plus ancien.";
    link_invalid_reason: "This is not a password reset link of ours, or it was cut short: check that you opened the whole link from the email.",
        "Ce n’est pas un de nos liens de réinitialisation, ou il a été tronqué : vérifiez que vous avez ouvert le lien complet de l’e-mail.";

    // Networks.
    networks_title: "Your networks", "Vos réseaux";
    networks_none_1: "You are not a Network Admin of any network, so there is nothing to manage here.",
        "Vous n’êtes admin d’aucun réseau : il n’y a rien à gérer ici.";
    networks_none_2: "If you share your connections as an ally, the AllyShare extension is where you manage that.",
        "Si vous partagez vos relations en tant qu’allié, c’est dans l’extension AllyShare que vous le gérez.";
    networks_choose: "Choose the network to manage.", "Choisissez le réseau à gérer.";

    // Roles, permissions, templates.
    role_ally: "Ally", "Allié";
    role_network_admin: "Network Admin", "Admin du réseau";
    all_roles: "All roles", "Tous les rôles";
    perm_invite_members: "Invite members", "Inviter des membres";
    perm_manage_roles: "Manage roles and permissions", "Gérer les rôles et autorisations";
    perm_remove_members: "Remove members", "Retirer des membres";
    perm_view_contacts: "View the network's contacts", "Voir les contacts du réseau";
    perm_export_contacts: "Export contacts", "Exporter les contacts";
    perm_manage_lists: "Manage introduction lists", "Gérer les listes de mises en relation";
    perm_ask_introductions: "Ask allies for introductions", "Demander des mises en relation aux alliés";
    perm_review_requests: "Review introduction requests", "Examiner les demandes de mise en relation";
    perm_manage_settings: "Manage network settings", "Gérer les paramètres du réseau";
    template_admin: "Admin", "Administrateur";
    template_recruiter: "Recruiter", "Recruteur";
    template_viewer: "Viewer", "Lecteur";
    template_custom: "Custom", "Personnalisé";
    template_admin_hint: "Everything, including the team and the settings.",
        "Tout, y compris l’équipe et les paramètres.";
    template_recruiter_hint: "Contacts, introduction lists, asking allies for introductions and the Inbox; not the team or the settings.",
        "Les contacts, les listes de mises en relation, les demandes de mise en relation aux alliés et la boîte de réception ; pas l’équipe ni les paramètres.";
    template_viewer_hint: "Read only: sees the team and the network's contacts, changes nothing.",
        "Lecture seule : voit l’équipe et les contacts du réseau, ne modifie rien.";
    template_custom_hint: "The permissions ticked below.", "Les autorisations cochées ci-dessous.";
    no_permissions: "No permissions", "Aucune autorisation";
    no_permissions_lower: "no permissions", "aucune autorisation";
    template_word: "template", "modèle";
    custom_one_permission: "Custom (1 permission)", "Personnalisé (1 autorisation)";

    // Team Members.
    bulk_invite: "Bulk invite from a CSV", "Inviter en masse depuis un CSV";
    filter_team: "Filter the team", "Filtrer l’équipe";
    search_name_email: "Search by name or email", "Rechercher par nom ou adresse e-mail";
    role: "Role", "Rôle";
    state: "State", "État";
    apply: "Apply", "Appliquer";
    nobody_matches: "Nobody matches these filters.", "Personne ne correspond à ces filtres.";
    showing: "Showing", "Affichage de";
    of: "of", "sur";
    members_and_invitations: "Members and invitations", "Membres et invitations";
    name: "Name", "Nom";
    email: "Email", "Adresse e-mail";
    permissions: "Permissions", "Autorisations";
    joined_or_sent: "Joined or sent", "Arrivé ou envoyée";
    sharing: "Sharing", "Partage";
    contacts_shared: "Contacts shared", "Contacts partagés";
    actions: "Actions", "Actions possibles";
    settings_of: " of", " de";
    resend: "Resend", "Renvoyer";
    revoke: "Revoke", "Révoquer";
    the_invitation_to: " the invitation to", " l’invitation à";
    previous_page: "Previous page", "Page précédente";
    next_page: "Next page", "Page suivante";
    state_current: "Members and open invitations", "Membres et invitations en cours";
    state_members: "Members", "Membres";
    state_pending: "Invitations pending", "Invitations en attente";
    state_expired: "Invitations expired", "Invitations expirées";
    state_accepted: "Invitations accepted", "Invitations acceptées";
    state_revoked: "Invitations revoked", "Invitations révoquées";
    state_all: "Everything", "Tout";
    row_member: "Member", "Membre";
    row_pending: "Pending", "En attente";
    row_expired: "Expired", "Expirée";
    row_accepted: "Accepted", "Acceptée";
    row_revoked: "Revoked", "Révoquée";
    at_joined: "Joined", "Arrivé le";
    at_sent: "Sent", "Envoyée le";
    on: "On", "Activé";
    off: "Off", "Désactivé";
    notice_revoked: "The invitation is revoked: its link no longer works.",
        "L’invitation est révoquée : son lien ne fonctionne plus.";
    notice_removed: "The member is removed from the network.", "Le membre est retiré du réseau.";
    problem_not_pending: "That invitation is not pending any more (it was accepted, revoked or has expired), so it was not revoked.",
        "Cette invitation n’est plus en attente (elle a été acceptée, révoquée ou a expiré) : elle n’a donc pas été révoquée.";
    problem_cannot_resend: "That invitation cannot be re-sent: it was accepted or revoked (by an admin, or replaced by a newer one). Invite the person again instead.",
        "Cette invitation ne peut pas être renvoyée : elle a été acceptée ou révoquée (par un admin, ou remplacée par une plus récente). Invitez plutôt la personne à nouveau.";
    problem_too_many_emails: "That address has had 3 invitation emails from this network in the last 24 hours, the most allowed. Nothing was sent; try again tomorrow.",
        "Cette adresse a reçu 3 e-mails d’invitation de ce réseau ces dernières 24 heures, le maximum autorisé. Rien n’a été envoyé ; réessayez demain.";
    problem_no_invitation: "There is no such invitation in this network.", "Cette invitation n’existe pas dans ce réseau.";

    // Invite Member.
    invite_to: "Invite someone to", "Invitez quelqu’un à rejoindre";
    invite_email_with: ". They get an email with a", ". La personne reçoit un e-mail avec un lien";
    invite_get_started: "Get Started", "Commencer";
    invite_link: "link.", ".";
    inviting_many: "Inviting many people?", "Vous invitez beaucoup de monde ?";
    invitation_type: "Invitation type", "Type d’invitation";
    ally_hint: "Shares their LinkedIn connections with the network; no access to the console.",
        "Partage ses relations LinkedIn avec le réseau ; pas d’accès à la console d’administration.";
    admin_hint: "Manages the network here: the team, invitations and contacts.",
        "Gère le réseau ici : l’équipe, les invitations et les contacts.";
    permissions_of_admin: "Permissions of a Network Admin", "Autorisations d’un admin du réseau";
    permissions_of_admin_hint: "What they may do once they accept; change it later on their Settings page. An ally holds none.",
        "Ce que la personne pourra faire une fois l’invitation acceptée ; modifiable ensuite sur sa page Paramètres. Un allié n’en a aucune.";
    first_name: "First name", "Prénom";
    last_name: "Last name", "Nom";
    personal_note: "Personal note", "Mot personnel";
    optional: "(optional)", "(facultatif)";
    note_hint_before: "Shown as plain text in the invitation email. At most", "Affiché en texte brut dans l’e-mail d’invitation. Au plus";
    characters: "characters.", "caractères.";
    send_invite: "Send Invite", "Envoyer l’invitation";
    resend_offer: "Send them the invitation again instead? The earlier link stops working.",
        "Lui renvoyer plutôt l’invitation ? Le lien précédent cesse de fonctionner.";
    resend_invitation: "Resend the invitation", "Renvoyer l’invitation";
    err_choose_kind: "Please choose Ally or Network Admin.", "Choisissez Allié ou Admin du réseau.";
    err_enter_their_email: "Please enter their email address.", "Saisissez son adresse e-mail.";
    err_first_name_empty: "The first name must not be empty.", "Saisissez le prénom.";
    err_last_name_empty: "The last name must not be empty.", "Saisissez le nom.";
    err_name_control: "A name must not contain control characters.", "Un nom ne doit pas contenir de caractères de contrôle.";

    // Bulk invite from a CSV.
    import_intro_before: "Invite many people to", "Invitez beaucoup de monde à rejoindre";
    import_intro_after: " at once from a spreadsheet. You see what was read from the file before anyone is invited.",
        " en une fois, depuis un tableur. Vous voyez ce qui a été lu dans le fichier avant que quiconque soit invité.";
    invite_them_as: "Invite them as", "Les inviter en tant que";
    import_admin_hint: "Manages the network here, with every permission; change a person's permissions afterwards on their Settings page.",
        "Gère le réseau ici, avec toutes les autorisations ; modifiez ensuite celles d’une personne sur sa page Paramètres.";
    csv_file: "CSV file", "Fichier CSV";
    import_columns_before: "One person per row, with a header row naming the columns:",
        "Une personne par ligne, avec une ligne d’en-tête qui nomme les colonnes :";
    column_email: "Email", "E-mail";
    column_first_name: "First Name", "Prénom";
    column_last_name: "Last Name", "Nom";
    column_name: "Name", "Nom complet";
    import_columns_and: ", and", ", et";
    import_columns_or_one: "(or one", "(ou une seule colonne";
    import_columns_after: " column). Other columns are ignored.", "). Les autres colonnes sont ignorées.";
    upload_and_preview: "Upload and preview", "Envoyer et vérifier";
    invite_one_instead: "Invite one person instead", "Inviter plutôt une seule personne";
    err_choose_import_kind: "Please choose who the people in the file are: Allies or Network Admins.",
        "Choisissez qui sont les personnes du fichier : des alliés ou des admins du réseau.";
    err_choose_import_template: "Please choose the permissions of the Network Admins in the file: Admin, Recruiter or Viewer.",
        "Choisissez les autorisations des admins du réseau du fichier : Administrateur, Recruteur ou Lecteur.";
    err_beyond_your_permissions: "You can give a Network Admin only permissions you have yourself: choose a template within yours, or ask an admin who has them to invite this person.",
        "Vous ne pouvez donner à un admin du réseau que des autorisations que vous avez vous-même : choisissez un modèle compris dans les vôtres, ou demandez à un admin qui les a d’inviter cette personne.";
    err_choose_csv: "Please choose a CSV file to upload.", "Choisissez un fichier CSV à envoyer.";
    err_upload_unreadable: "The upload could not be read. Choose the file again and upload it.",
        "Le fichier envoyé n’a pas pu être lu. Choisissez-le à nouveau et renvoyez-le.";
    the_uploaded_file: "the uploaded file", "le fichier envoyé";
    check_file_title: "Check the file before inviting", "Vérifiez le fichier avant d’inviter";
    preview_to_invite_to: ", to invite to", ", à inviter dans";
    preview_as: "as", "en tant que";
    preview_nobody_yet: ". Nobody has been invited yet.", ". Personne n’a encore été invité.";
    columns_found: "Columns found", "Colonnes trouvées";
    columns_caption: "Columns of the file and what each is used for", "Les colonnes du fichier et l’usage de chacune";
    column_col: "Column", "Colonne";
    used_for: "Used for", "Utilisée pour";
    not_used: "Not used", "Non utilisée";
    no_title: "(no title)", "(sans titre)";
    name_then_parts_hint: "The name comes from the Name column, or from First Name and Last Name where it is empty.",
        "Le nom vient de la colonne du nom complet, ou du prénom et du nom là où elle est vide.";
    no_name_column_hint: "No name column was found: every row will be refused for want of a name. Add First Name and Last Name (or Name) columns to the file.",
        "Aucune colonne de nom n’a été trouvée : chaque ligne sera refusée faute de nom. Ajoutez au fichier des colonnes Prénom et Nom (ou Nom complet).";
    first_rows: "First rows", "Premières lignes";
    line_col: "Line", "Ligne";
    check_col: "Check", "Vérification";
    none_paren: "(none)", "(aucun)";
    row_ready: "Ready", "Prête";
    problems_found: "Problems found", "Problèmes trouvés";
    problems_none: "None: every row has a name and a valid email address.",
        "Aucun : chaque ligne a un nom et une adresse e-mail valide.";
    problems_fix: "To invite them too, correct the file and upload it again; or invite the others now.",
        "Pour les inviter aussi, corrigez le fichier et renvoyez-le ; ou invitez les autres dès maintenant.";
    invite_heading: "Invite", "Inviter";
    nobody_to_invite: "No row of this file can be invited. Correct the file and upload it again.",
        "Aucune ligne de ce fichier ne peut être invitée. Corrigez le fichier et renvoyez-le.";
    choose_another_file: "Choose another file", "Choisir un autre fichier";
    row_no_email: "No email address: not invited.", "Pas d’adresse e-mail : pas d’invitation.";
    row_invalid_email: "Not a valid email address: not invited.", "Adresse e-mail non valide : pas d’invitation.";
    row_no_name: "No name: not invited.", "Pas de nom : pas d’invitation.";
    row_name_control: "The name must not contain control characters: not invited.",
        "Le nom contient des caractères de contrôle : pas d’invitation.";
    results_title: "Bulk invite results", "Résultats de l’invitation en masse";
    imported_as: ", imported as", ", importé en tant que";
    on_date: "on", "le";
    import_stopped: "This import stopped before its end, so its results were not kept. The people invited so far are in Team Members; upload the file again to invite the rest (anyone already invited is then sent the invitation again).",
        "Cet import s’est arrêté avant la fin, ses résultats n’ont donc pas été conservés. Les personnes déjà invitées figurent dans Membres de l’équipe ; renvoyez le fichier pour inviter les autres (les personnes déjà invitées reçoivent alors à nouveau l’invitation).";
    emails_heading: "Emails", "E-mails";
    updates_itself: "This line updates by itself.", "Cette ligne se met à jour d’elle-même.";
    refresh: "Refresh", "Actualiser";
    totals_heading: "Totals", "Totaux";
    download_results: "Download results (CSV)", "Télécharger les résultats (CSV)";
    every_row: "Every row", "Toutes les lignes";
    file_no_rows: "The file had no rows.", "Le fichier n’avait aucune ligne.";
    results_caption: "What happened to each row of the file", "Ce qu’il est advenu de chaque ligne du fichier";
    outcome_col: "Outcome", "Résultat";
    pages_of_rows: "Pages of rows", "Pages de lignes";
    back_to_team: "Back to Team Members", "Retour aux membres de l’équipe";
    invite_another_file: "Invite from another file", "Inviter depuis un autre fichier";
    upload_gone: "This upload is no longer available", "Ce fichier n’est plus disponible";
    upload_again: "Upload the file again", "Renvoyer le fichier";
    outcome_invited: "Invited", "Invitation envoyée";
    outcome_already_invited: "Already invited: invitation sent again", "Déjà invité : invitation renvoyée";
    outcome_already_member: "Already a member: nothing sent", "Déjà membre : rien n’a été envoyé";
    outcome_no_email: "No email address: not invited", "Pas d’adresse e-mail : pas d’invitation";
    outcome_invalid_email: "Invalid email: not invited", "Adresse e-mail non valide : pas d’invitation";
    outcome_no_name: "No name: not invited", "Pas de nom : pas d’invitation";
    outcome_duplicate: "Duplicate in file: not invited again", "En double dans le fichier : pas de nouvelle invitation";
    outcome_failed_default: "the invitation could not be stored; try again", "l’invitation n’a pas pu être enregistrée ; réessayez";
    outcome_failed_too_many: "this address has had the most invitation emails allowed from this network in 24 hours; try again later",
        "cette adresse a reçu le maximum d’e-mails d’invitation autorisé de ce réseau en 24 heures ; réessayez plus tard";
    name_control_reason: "control characters", "caractères de contrôle";
    total_invited: "Invited", "Invitations envoyées";
    total_already_invited: "Already invited, sent again", "Déjà invités, invitation renvoyée";
    total_already_member: "Already a member", "Déjà membres";
    total_invalid_email: "Invalid email", "Adresse e-mail non valide";
    total_no_name: "No name", "Sans nom";
    total_duplicate: "Duplicate in file", "En double dans le fichier";
    total_failed: "Not invited (error)", "Non invités (erreur)";
    no_emails_to_send: "No emails to send for this import.", "Aucun e-mail à envoyer pour cet import.";
    csv_head_line: "Line", "Ligne";
    csv_head_name: "Name", "Nom";
    csv_head_email: "Email", "Adresse e-mail";
    csv_head_outcome: "Outcome", "Résultat";

    // A member's Settings, removing.
    settings_title: "Settings", "Paramètres";
    joined: "Joined", "Arrivé le";
    role_ally_hint: "Shares their LinkedIn connections with the network; no access to the console.",
        "Partage ses relations LinkedIn avec le réseau ; pas d’accès à la console d’administration.";
    role_admin_hint: "Uses the console, with the permissions below.", "Utilise la console d’administration, avec les autorisations ci-dessous.";
    ally_made_admin: "An ally made Network Admin stops sharing with this network.",
        "Un allié devenu admin du réseau arrête de partager avec ce réseau.";
    permissions_hint_before: "For a Network Admin: choose a template, or choose", "Pour un admin du réseau : choisissez un modèle, ou choisissez";
    permissions_hint_after: "and pick permissions one by one. An ally holds none.",
        "et cochez les autorisations une à une. Un allié n’en a aucune.";
    template_legend: "Template", "Modèle";
    individual_permissions: "Individual permissions (with Custom)", "Autorisations une à une (avec Personnalisé)";
    update: "Update", "Mettre à jour";
    only_manager_changes: "Only a Network Admin who may manage roles and permissions can change these.",
        "Seul un admin du réseau autorisé à gérer les rôles et autorisations peut les modifier.";
    remove_heading: "Remove from the network", "Retirer du réseau";
    loses_access: "loses access to", "perd l’accès à";
    contacts_leave: "The contacts they share leave the network at once, and are deleted from the server if they share them with no other network.",
        "Les contacts partagés quittent aussitôt le réseau, et sont supprimés du serveur s’ils ne sont partagés avec aucun autre réseau.";
    remove: "Remove", "Retirer";
    updated: "Updated: the new role and permissions are in effect now.",
        "Mis à jour : le nouveau rôle et les nouvelles autorisations s’appliquent dès maintenant.";
    err_choose_template: "Please choose a permission template, or Custom to pick permissions one by one.",
        "Choisissez un modèle d’autorisations, ou Personnalisé pour les cocher une à une.";
    remove_question_mark: "?", " ?";
    err_last_manager: "This would leave the network with no one who can manage roles and permissions: give that permission to another Network Admin first.",
        "Le réseau n’aurait plus personne pour gérer les rôles et autorisations : donnez d’abord cette autorisation à un autre admin du réseau.";
    no_longer_member: "will no longer be a member of", "ne fera plus partie de";
    remove_contacts_before: "The", "Les";
    remove_contacts_after: "contacts they share leave the network's view at once, their pending introduction asks are withdrawn, and their contacts are deleted from the server if they share them with no other network.",
        "contacts partagés quittent aussitôt la vue du réseau, les demandes de mise en relation en attente sont retirées, et les contacts sont supprimés du serveur s’ils ne sont partagés avec aucun autre réseau.";
    cancel: "Cancel", "Annuler";
    full_stop: ".", ".";

    // Audit log.
    audit_who_did_what: "Who did what in", "Qui a fait quoi dans";
    audit_kinds: ", and when: invitations, role and permission changes, removals, exports. Newest first.",
        ", et quand : invitations, changements de rôle et d’autorisations, retraits, exports. Les plus récents d’abord.";
    audit_empty: "Nothing has been recorded yet.", "Rien n’a encore été enregistré.";
    audit_caption: "Team actions", "Actions sur l’équipe";
    audit_when: "When (UTC)", "Quand (UTC)";
    audit_who: "Who", "Qui";
    audit_what: "What", "Quoi";
    audit_about: "About", "Concernant";
    audit_details: "Details", "Détails";
    newest: "Newest", "Les plus récents";
    older: "Older", "Plus anciens";
    audit_invited: "Invited", "A invité";
    audit_resent: "Re-sent an invitation", "A renvoyé une invitation";
    audit_revoked: "Revoked an invitation", "A révoqué une invitation";
    audit_imported: "Invited from a CSV", "A invité depuis un CSV";
    audit_access_changed: "Changed role or permissions", "A modifié le rôle ou les autorisations";
    audit_removed: "Removed from the network", "A retiré du réseau";
    audit_exported: "Exported contacts", "A exporté les contacts";
    audit_list_created: "Created an introduction list", "A créé une liste de mises en relation";
    audit_list_renamed: "Renamed an introduction list", "A renommé une liste de mises en relation";
    audit_list_deleted: "Deleted an introduction list", "A supprimé une liste de mises en relation";
    audit_list_added: "Added contacts to an introduction list", "A ajouté des contacts à une liste de mises en relation";
    audit_list_removed: "Removed contacts from an introduction list", "A retiré des contacts d’une liste de mises en relation";
    audit_list_asked: "Asked for introductions for a list", "A demandé des mises en relation pour une liste";
    audit_a_csv_file: "A CSV file", "Un fichier CSV";
    audit_operator: "Server operator (command line)", "Opérateur du serveur (ligne de commande)";

    // Introduction lists.
    list_deleted: "The list is deleted. Its contacts are still in the network.",
        "La liste est supprimée. Ses contacts restent dans le réseau.";
    lists_crumb: "Contacts", "Contacts du réseau";
    lists_intro_before: "Named lists of the contacts your allies share with", "Des listes nommées des contacts que vos alliés partagent avec";
    lists_intro_after: ", shared with every Network Admin of the network who may see its contacts. Export a list as CSV, or ask for introductions to everyone on it.", ", communes à tous les admins du réseau autorisés à voir ses contacts. Exportez une liste en CSV, ou demandez une mise en relation avec chacun de ses contacts.";
    lists_none: "There are no introduction lists yet.", "Il n’y a encore aucune liste de mises en relation.";
    lists_create_first: "Create the first one below.", "Créez la première ci-dessous.";
    lists_caption: "The network's introduction lists", "Les listes de mises en relation du réseau";
    list_col: "List", "Liste";
    contacts_col: "Contacts", "Nombre de contacts";
    created_by_col: "Created by", "Créée par";
    last_changed_col: "Last changed", "Dernière modification";
    new_list: "New list", "Nouvelle liste";
    list_name: "List name", "Nom de la liste";
    list_name_hint_before: "For example “Fintech founders, Q3”. At most", "Par exemple « Fondateurs fintech, T3 ». Au plus";
    list_name_hint_after: "characters; two lists cannot have the same name.", "caractères ; deux listes ne peuvent pas porter le même nom.";
    delete: "Delete", "Supprimer";
    delete_open: "Delete “", "Supprimer « ";
    delete_close: "”?", " » ?";
    delete_goes: "The list goes for every admin of the network, with its", "La liste disparaît pour tous les admins du réseau, avec ses";
    delete_rest: ". The contacts themselves stay in the network, and asks already sent stay as they are. This cannot be undone.", ". Les contacts eux-mêmes restent dans le réseau, et les demandes déjà envoyées restent telles quelles. C’est irréversible.";
    delete_list: "Delete the list", "Supprimer la liste";
    csv_col_profile: "LinkedIn profile", "Profil LinkedIn";
    csv_col_added_by: "Added by", "Ajouté par";
    csv_col_added_on: "Added on", "Ajouté le";
    list_created: "The list is created. Find contacts to add with the search below.",
        "La liste est créée. Trouvez des contacts à y ajouter avec la recherche ci-dessous.";
    list_renamed: "The list is renamed.", "La liste est renommée.";
    list_not_renamed: "The list was not renamed", "La liste n’a pas été renommée";
    list_not_created: "The list was not created", "La liste n’a pas été créée";
    list_renamed_heading: "The list is renamed", "La liste est renommée";
    list_created_heading: "The list is created", "La liste est créée";
    list_page_hidden: "A list's page shows the network's contacts: your permissions let you manage introduction lists but not view the network's contacts, so it cannot be shown to you.",
        "La page d’une liste montre les contacts du réseau : vos autorisations vous permettent de gérer les listes de mises en relation, mais pas de voir les contacts du réseau, donc elle ne peut pas vous être montrée.";
    list_page_ask: "To see the lists, ask a Network Admin who manages roles and permissions to give you “View the network's contacts”.",
        "Pour voir les listes, demandez à un admin du réseau qui gère les rôles et les autorisations de vous donner « Voir les contacts du réseau ».";
    none_selected: "No contact was selected, so nothing changed. Tick the boxes of the contacts first.",
        "Aucun contact n’a été sélectionné : rien n’a changé. Cochez d’abord les cases des contacts.";
    skip_already_pending: "An ask for an introduction to them is already waiting for an answer.",
        "Une demande de mise en relation avec ce contact attend déjà une réponse.";
    skip_no_longer_shared: "No ally shares them with the network any more.",
        "Plus aucun allié ne partage ce contact avec le réseau.";
    contact_no_longer_shared: "A contact no longer shared", "Un contact qui n’est plus partagé";
    list_not_found: "There is no such introduction list in this network (it may have been deleted).",
        "Cette liste de mises en relation n’existe pas dans ce réseau (elle a peut-être été supprimée).";
    err_list_name_empty: "Please give the list a name.", "Donnez un nom à la liste.";
    err_list_name_control: "The name must not contain control characters (tabs, line breaks).",
        "Le nom ne doit pas contenir de caractères de contrôle (tabulations, retours à la ligne).";
    keep_list: "Keep the list", "Garder la liste";
    intros_asked: "Introductions asked", "Mises en relation demandées";
    asked_explain: "Each ask went to the ally who has been connected with the contact the longest. They see it in the AllyShare extension and answer there.", "Chaque demande est allée à l’allié en relation avec le contact depuis le plus longtemps. Il la voit dans l’extension AllyShare et y répond.";
    asks_sent: "Asks sent", "Demandes envoyées";
    contact_col: "Contact", "Contact du réseau";
    ally_asked: "Ally asked", "Allié sollicité";
    skipped: "Skipped", "Ignorés";
    why: "Why", "Pourquoi";
    back_to_list: "Back to the list", "Retour à la liste";
    export_csv: "Export CSV", "Exporter en CSV";
    created_by_lower: "created by", "créée par";
    last_changed_lower: "last changed", "modifiée le";
    list_empty: "This list has no contacts yet.", "Cette liste n’a encore aucun contact.";
    find_them_with: "Find them with", "Trouvez-les avec";
    add_contacts: "Add contacts", "Ajouter des contacts";
    below_full: "below.", "ci-dessous.";
    contacts_on_list: "Contacts on this list", "Contacts de cette liste";
    select: "Select", "Sélectionner";
    headline: "Headline", "Titre";
    known_by: "Known by", "Connu de";
    added: "Added", "Ajouté";
    profile_new_tab: " (LinkedIn profile, opens a new tab)", " (profil LinkedIn, s’ouvre dans un nouvel onglet)";
    since: "since", "depuis le";
    remove_selected: "Remove selected from the list", "Retirer la sélection de la liste";
    find_to_add: "Find contacts to add", "Trouver des contacts à ajouter";
    search_contacts: "Search the network's contacts", "Rechercher dans les contacts du réseau";
    search_hint: "Words in the name or headline. Search with nothing typed to see contacts by name.", "Des mots du nom ou du titre. Lancez la recherche sans rien saisir pour voir les contacts par nom.";
    search: "Search", "Rechercher";
    no_match_open: "No contact of the network matches “", "Aucun contact du réseau ne correspond à « ";
    no_match_close: "”.", " ».";
    first_matches_before: "The first", "Les";
    first_matches_after: "matches; narrow the search to find others.", "premiers résultats ; affinez la recherche pour trouver les autres.";
    match_one: "match", "résultat";
    match_many: "matches", "résultats";
    search_results: "Search results", "Résultats de la recherche";
    on_the_list: "On the list", "Déjà sur la liste";
    add_selected: "Add selected to the list", "Ajouter la sélection à la liste";
    all_on_list: "Every contact found is on the list already.", "Tous les contacts trouvés sont déjà sur la liste.";
    ask_intros: "Ask for introductions", "Demander des mises en relation";
    ask_explain: "One ask for each contact on this list, to the ally who has been connected with them the longest (the earliest “connected since” date; if that is the same or unknown, the ally who joined the network first). Contacts who already have an ask waiting for an answer are skipped.", "Une demande pour chaque contact de cette liste, à l’allié en relation avec lui depuis le plus longtemps (la date « relation depuis le » la plus ancienne ; si elle est identique ou inconnue, l’allié arrivé le premier dans le réseau). Les contacts qui ont déjà une demande en attente de réponse sont ignorés.";
    note_to_allies: "Note to the allies", "Mot aux alliés";
    note_allies_hint: "Why you would like the introduction, and for whom. Each ally asked sees it. At most", "Pourquoi vous souhaitez la mise en relation, et pour qui. Chaque allié sollicité le voit. Au plus";
    rename_or_delete: "Rename or delete", "Renommer ou supprimer";
    rename: "Rename", "Renommer";
    delete_this_list: "Delete this list…", "Supprimer cette liste…";
    // Contacts and asks.
    sort_recent: "Most recently connected", "Relation la plus récente";
    sort_allies: "Most allies", "Le plus d’alliés";
    ask_pending: "Pending", "En attente";
    ask_made: "Introduction made", "Mise en relation faite";
    ask_declined: "Declined", "Refusée";
    ask_withdrawn: "Withdrawn", "Retirée";
    all_states: "All states", "Tous les états";
    all_allies: "All allies", "Tous les alliés";
    contacts_intro: "The contacts your allies share with the network. Open one to see who knows them and to ask for an introduction.", "Les contacts que vos alliés partagent avec le réseau. Ouvrez-en un pour voir qui le connaît et demander une mise en relation.";
    search_the_contacts: "Search the contacts", "Rechercher dans les contacts";
    search_name_headline: "Search by name or headline", "Rechercher par nom ou titre";
    connected_since: "Connected since", "Relation depuis le";
    since_hint: "An ally connected with them on this day or later.", "Un allié est en relation avec eux depuis ce jour ou plus tard.";
    sort_by: "Sort by", "Trier par";
    contacts_no_match: "No contact matches this search and these filters.", "Aucun contact ne correspond à cette recherche et à ces filtres.";
    contacts_none: "No contacts are shared with the network yet: they appear here once an ally connects LinkedIn and shares.", "Aucun contact n’est encore partagé avec le réseau : ils apparaissent ici dès qu’un allié connecte LinkedIn et partage.";
    contacts_caption: "Contacts shared with the network", "Contacts partagés avec le réseau";
    connected: "Connected", "Relation depuis";
    and_word: "and", "et";
    more_word: "more", "autres";
    first_page: "First page", "Première page";
    asks_intro: "The introductions the network asked its allies for, newest first, with each ally's answer.", "Les mises en relation que le réseau a demandées à ses alliés, les plus récentes d’abord, avec la réponse de chaque allié.";
    filter_asks: "Filter the asks", "Filtrer les demandes";
    asks_caption: "Introduction asks", "Demandes de mise en relation";
    note_col: "Note", "Mot";
    ally_answer: "Ally's answer", "Réponse de l’allié";
    asked_col: "Asked", "Demandée le";
    not_answered: "Not answered yet", "Pas encore de réponse";
    by_word: "by", "par";
    newest_asks: "Newest asks", "Demandes les plus récentes";
    older_asks: "Older asks", "Demandes plus anciennes";
    asks_none: "No asks here yet. To ask an ally for an introduction, open a contact from", "Aucune demande pour l’instant. Pour demander une mise en relation à un allié, ouvrez un contact depuis";
    opens_new_tab: " (opens in a new tab)", " (s’ouvre dans un nouvel onglet)";
    allies_who_know: "Allies who know", "Alliés qui connaissent";
    and_since_when: ", and since when", ", et depuis quand";
    connected_on: "Connected on", "Relation depuis le";
    not_known: "Not known", "Inconnu";
    ask_intro: "Ask for an introduction", "Demander une mise en relation";
    ask_intro_explain: "The ally you choose sees your note with the ask, and answers whether they made the introduction.", "L’allié choisi voit votre mot avec la demande, et répond s’il a fait la mise en relation.";
    check_fields_nothing_sent: "Please check the fields marked below: nothing was sent.", "Vérifiez les champs signalés ci-dessous : rien n’a été envoyé.";
    ally_to_ask: "Ally to ask", "Allié à solliciter";
    note_to_ally: "Note to the ally", "Mot à l’allié";
    note_ally_hint: "Why, and for whom: shown to the ally as plain text. At most", "Pourquoi, et pour qui : montré à l’allié en texte brut. Au plus";
    send: "Send", "Envoyer";
    page_link_invalid: "That page link is not valid any more, so the first page is shown.",
        "Ce lien de page n’est plus valide : la première page est affichée.";
    ask_sent_plain: "Your ask is sent. The ally's answer will show here.",
        "Votre demande est envoyée. La réponse de l’allié s’affichera ici.";

    // Introduction requests (seed 001): companies, Company Admins, professionals, the Inbox.
    ir_inbox: "Inbox", "Boîte de réception";
    ir_inbox_count_label: "introduction requests waiting", "demandes de mise en relation en attente";
    ir_nav_companies: "Companies", "Entreprises";
    ir_nav_network_settings: "Network settings", "Paramètres du réseau";
    ir_inbox_intro: "Introduction requests made by professionals that need the review of a Network Admin before getting to their destination.", "Les demandes de mise en relation faites par des professionnels qui doivent être examinées par un admin du réseau avant d’arriver à destination.";
    ir_out_of_network: "Out of network", "Hors réseau";
    ir_out_of_network_intro: "Requests to companies that have not designated someone to receive introduction requests. Invite a contact at the company to become its Company Admin: once they accept, the requests are sent to them, and so are later ones.", "Demandes adressées à des entreprises qui n’ont désigné personne pour recevoir les demandes de mise en relation. Invitez un contact de l’entreprise à en devenir l’admin : dès qu’il accepte, les demandes lui sont envoyées, ainsi que les suivantes.";
    ir_in_network: "In network", "Dans le réseau";
    ir_in_network_intro: "Your network reviews every introduction request before it is sent: review each professional and make the intro to the company's Company Admins.", "Votre réseau examine chaque demande de mise en relation avant son envoi : examinez chaque professionnel et faites la mise en relation avec les admins de l’entreprise.";
    ir_none_out: "No request is waiting for a company without a Company Admin.", "Aucune demande n’attend une entreprise sans admin d’entreprise.";
    ir_none_in: "No request is waiting for your review.", "Aucune demande n’attend votre examen.";
    ir_requests_word: "requests", "demandes";
    ir_add_contact: "Add point of contact and suggest intro", "Ajouter un contact et proposer la mise en relation";
    ir_contact_name: "Contact's name", "Nom du contact";
    ir_contact_email: "Contact's email", "E-mail du contact";
    ir_make_intro: "Make Intro", "Faire la mise en relation";
    ir_decline: "Decline", "Refuser";
    ir_accept: "Accept", "Accepter";
    ir_reason: "Reason (sent to the professional)", "Motif (envoyé au professionnel)";
    ir_reason_optional: "Reason (optional, sent to the requester)", "Motif (facultatif, envoyé au demandeur)";
    ir_message: "Message", "Message";
    ir_requested: "Requested", "Demandée le";
    ir_state: "State", "État";
    ir_professional: "Professional", "Professionnel";
    ir_company: "Company", "Entreprise";
    ir_linkedin: "LinkedIn profile", "Profil LinkedIn";
    ir_cv: "CV", "CV";
    ir_history: "History", "Historique";
    ir_by: "by", "par";
    ir_state_out_of_network: "Waiting for a Company Admin", "En attente d’un admin d’entreprise";
    ir_state_in_review: "In review by the network", "En cours d’examen par le réseau";
    ir_state_delivered: "Delivered, waiting for an answer", "Transmise, en attente de réponse";
    ir_state_accepted: "Accepted: introduced", "Acceptée : mise en relation faite";
    ir_state_declined_by_network: "Declined by the network", "Refusée par le réseau";
    ir_state_declined: "Declined", "Refusée";
    ir_companies_intro: "The companies of your network. Professionals request introductions to them; their Company Admins receive the requests.", "Les entreprises de votre réseau. Les professionnels demandent à leur être présentés ; leurs admins d’entreprise reçoivent les demandes.";
    ir_companies_caption: "The network's companies", "Les entreprises du réseau";
    ir_company_admins: "Company Admins", "Admins d’entreprise";
    ir_waiting: "Waiting requests", "Demandes en attente";
    ir_website: "Website or domain", "Site web ou domaine";
    ir_description: "Short description", "Courte description";
    ir_name: "Name", "Nom";
    ir_add_company: "Add company", "Ajouter l’entreprise";
    ir_new_company: "New company", "Nouvelle entreprise";
    ir_search_companies: "Search companies", "Rechercher des entreprises";
    ir_search: "Search", "Rechercher";
    ir_no_companies: "No company yet.", "Aucune entreprise pour l’instant.";
    ir_err_company_name: "Enter the company's name (at most 200 characters).", "Saisissez le nom de l’entreprise (200 caractères au plus).";
    ir_err_company_taken: "The network has a company of this name already.", "Le réseau a déjà une entreprise de ce nom.";
    ir_err_website: "Enter a website or a domain, such as acme.example (or leave it empty).", "Saisissez un site web ou un domaine, par exemple acme.example (ou laissez vide).";
    ir_err_description: "The description is at most 1,000 characters of text.", "La description fait au plus 1 000 caractères de texte.";
    ir_err_name: "Enter the person's name (at most 200 characters).", "Saisissez le nom de la personne (200 caractères au plus).";
    ir_err_email: "Enter a valid email address.", "Saisissez une adresse e-mail valide.";
    ir_err_already_admin: "This person is a Company Admin of the company already.", "Cette personne est déjà admin de cette entreprise.";
    ir_err_message: "Write a message of at most 2,000 characters: why them, why now.", "Écrivez un message de 2 000 caractères au plus : pourquoi eux, pourquoi maintenant.";
    ir_err_reason: "Give a reason of at most 1,000 characters: the professional reads it.", "Donnez un motif de 1 000 caractères au plus : le professionnel le lira.";
    ir_err_already_open: "An introduction request between you is open already: wait for its answer.", "Une demande de mise en relation entre vous est déjà ouverte : attendez sa réponse.";
    ir_err_not_confirmed: "Confirm your email first: open the link in the email we sent you.", "Confirmez d’abord votre e-mail : ouvrez le lien de l’e-mail que nous vous avons envoyé.";
    ir_err_not_allowed: "This request has moved on meanwhile: nothing was changed. Its current state is shown below.", "Cette demande a évolué entre-temps : rien n’a été modifié. Son état actuel est affiché ci-dessous.";
    ir_err_not_found: "This company or request is not there any more: nothing was changed.", "Cette entreprise ou cette demande n’existe plus : rien n’a été modifié.";
    ir_done_invited: "The invitation email is on its way.", "L’e-mail d’invitation est en route.";
    ir_done_made_intro: "Done: the request was sent to the company's Company Admins.", "C’est fait : la demande a été envoyée aux admins de l’entreprise.";
    ir_done_declined: "Declined: the requester is told.", "Refusée : le demandeur en est informé.";
    ir_done_accepted: "Accepted: the introduction email is on its way to both of you.", "Acceptée : l’e-mail de mise en relation est en route pour vous deux.";
    ir_done_requested: "Your request is sent.", "Votre demande est envoyée.";
    ir_done_company: "The company is added.", "L’entreprise est ajoutée.";
    ir_done_saved: "Saved.", "Enregistré.";
    ir_settings_intro: "How introduction requests travel in your network.", "Comment circulent les demandes de mise en relation dans votre réseau.";
    ir_gatekeeper: "Network Admins review all introduction requests before they are sent", "Les admins du réseau examinent toutes les demandes de mise en relation avant leur envoi";
    ir_gatekeeper_hint: "On: requests to companies with Company Admins wait in the Inbox, In network, until an admin makes the intro. Off: they are sent at once.", "Activé : les demandes aux entreprises qui ont des admins attendent dans la boîte de réception, Dans le réseau, jusqu’à ce qu’un admin fasse la mise en relation. Désactivé : elles sont envoyées aussitôt.";
    ir_save: "Save", "Enregistrer";
    ir_company_page_intro: "Introduction requests for your company. Accept to be introduced by email; decline and the requester is told, kindly.", "Les demandes de mise en relation pour votre entreprise. Acceptez pour être mis en relation par e-mail ; refusez et le demandeur en est informé, avec tact.";
    ir_company_requests_caption: "Introduction requests", "Demandes de mise en relation";
    ir_no_requests: "No introduction request yet.", "Aucune demande de mise en relation pour l’instant.";
    ir_invite_colleague: "Invite a colleague as Company Admin", "Inviter un collègue comme admin d’entreprise";
    ir_invite_colleague_hint: "So you can tag team at reviewing the introduction requests.", "Pour vous relayer dans l’examen des demandes de mise en relation.";
    ir_send_invitation: "Send invitation", "Envoyer l’invitation";
    ir_request_professional: "Request an introduction to a professional", "Demander une mise en relation avec un professionnel";
    ir_request_company: "Request an introduction to a company", "Demander une mise en relation avec une entreprise";
    ir_message_hint: "Why them, why now: shown as plain text. At most 2,000 characters.", "Pourquoi eux, pourquoi maintenant : affiché en texte brut. 2 000 caractères au plus.";
    ir_send_request: "Request introduction", "Demander la mise en relation";
    ir_my_requests: "Your introduction requests", "Vos demandes de mise en relation";
    ir_my_intro: "The introductions you requested, and those companies requested to you, with each one's state.", "Les mises en relation que vous avez demandées, et celles que des entreprises vous ont demandées, avec l’état de chacune.";
    ir_to_you: "To you", "Pour vous";
    ir_from_you: "From you", "De vous";
    ir_direction: "Direction", "Sens";
    ir_your_pages: "Your introduction requests", "Vos demandes de mise en relation";
    ir_your_pages_intro: "Open a company you receive requests for, or a network you are a professional of.", "Ouvrez une entreprise pour laquelle vous recevez des demandes, ou un réseau dont vous êtes professionnel.";
    ir_nothing_here: "There is nothing for you here yet.", "Il n’y a encore rien pour vous ici.";
    ir_join_title: "Join", "Rejoindre";
    ir_join_intro: "Join the network's talent to request introductions to its companies.", "Rejoignez les talents du réseau pour demander des mises en relation avec ses entreprises.";
    ir_headline: "Headline", "Titre";
    ir_linkedin_url: "LinkedIn profile URL", "URL du profil LinkedIn";
    ir_cv_url: "CV link (optional)", "Lien vers votre CV (facultatif)";
    ir_email: "Email", "E-mail";
    ir_join_button: "Join", "Rejoindre";
    ir_err_headline: "Enter your headline, on one line (at most 200 characters).", "Saisissez votre titre, sur une ligne (200 caractères au plus).";
    ir_err_link: "Enter a web address starting with https://.", "Saisissez une adresse web commençant par https://.";
    ir_err_email_taken: "An account with this email exists already: sign in to the console instead.", "Un compte existe déjà avec cet e-mail : connectez-vous plutôt à la console.";
    ir_check_email_heading: "Check your email", "Consultez vos e-mails";
    ir_check_email: "We sent you a link to confirm your email address. Open it, then sign in to request introductions.", "Nous vous avons envoyé un lien pour confirmer votre adresse e-mail. Ouvrez-le, puis connectez-vous pour demander des mises en relation.";
    ir_confirmed_heading: "Your email is confirmed", "Votre e-mail est confirmé";
    ir_confirmed: "You can now request introductions. Sign in to the console to start.", "Vous pouvez maintenant demander des mises en relation. Connectez-vous à la console pour commencer.";
    ir_link_invalid_heading: "This link does not work", "Ce lien ne fonctionne pas";
    ir_link_invalid: "It was used already, has expired, or was copied incompletely. Ask the person who invited you for a new one.", "Il a déjà servi, a expiré ou a été mal copié. Demandez-en un nouveau à la personne qui vous a invité.";
    ir_company_invite_title: "Become a Company Admin of", "Devenir admin d’entreprise de";
    ir_company_invite_intro: "You will receive the introduction requests professionals make to your company, and accept or decline each one.", "Vous recevrez les demandes de mise en relation que les professionnels adressent à votre entreprise, et accepterez ou refuserez chacune.";
    ir_accept_invitation: "Accept the invitation", "Accepter l’invitation";
    ir_sign_in: "Sign in", "Se connecter";
    ir_import_companies: "Import companies from a CSV", "Importer des entreprises depuis un CSV";
    ir_csv_file: "CSV file", "Fichier CSV";
    ir_csv_hint: "A header row with a Name column, and Website and Description columns if you have them. Up to 5,000 rows and 2 MiB.", "Une ligne d’en-tête avec une colonne Nom (Name), et des colonnes Site web (Website) et Description si vous les avez. Jusqu’à 5 000 lignes et 2 Mio.";
    ir_import: "Import", "Importer";
    ir_import_result: "Companies imported", "Entreprises importées";
    ir_import_caption: "Each row of the file", "Chaque ligne du fichier";
    ir_added_count: "Companies added:", "Entreprises ajoutées :";
    ir_line: "Line", "Ligne";
    ir_outcome: "Result", "Résultat";
    ir_row_added: "Added", "Ajoutée";
    ir_row_exists: "Already in the network: skipped", "Déjà dans le réseau : ignorée";
    ir_row_no_name: "No name: skipped", "Sans nom : ignorée";
    ir_row_bad_website: "Website not recognised: skipped", "Site web non reconnu : ignorée";
    ir_row_bad_description: "Description too long: skipped", "Description trop longue : ignorée";
    ir_err_csv: "The file could not be read, and nothing was imported. Choose a CSV file with a header row and a Name column (at most 5,000 rows and 2 MiB).", "Le fichier n’a pas pu être lu, et rien n’a été importé. Choisissez un fichier CSV avec une ligne d’en-tête et une colonne Nom (5 000 lignes et 2 Mio au plus).";
    ir_back_to_companies: "Back to Companies", "Retour aux entreprises";
    ir_nav_professionals: "Professionals", "Professionnels";
    ir_professionals_intro: "The network's talent: they request introductions to its companies. Invite someone, or share the network's join page:", "Les talents du réseau : ils demandent des mises en relation avec ses entreprises. Invitez quelqu’un, ou partagez la page d’inscription du réseau :";
    ir_professionals_caption: "The network's professionals", "Les professionnels du réseau";
    ir_no_professionals: "No professional yet.", "Aucun professionnel pour l’instant.";
    ir_confirmed_col: "Email confirmed", "E-mail confirmé";
    ir_yes: "Yes", "Oui";
    ir_not_yet: "Not yet", "Pas encore";
    ir_invite_professional: "Invite professional", "Inviter un professionnel";
    ir_err_already_professional: "This person is a professional of the network already.", "Cette personne est déjà professionnelle du réseau.";
    ir_complete_title: "Complete your profile for", "Complétez votre profil pour";
    ir_complete_intro: "You were invited to the network's talent. Complete your profile and choose a password to request introductions.", "Vous avez été invité parmi les talents du réseau. Complétez votre profil et choisissez un mot de passe pour demander des mises en relation.";

    // Introduction requests, the gaps closed (issue 14): the companies CSV's preview and
    // result, Company Admins' invitations and removal, the join page's limits.
    ig_check_companies_title: "Check the companies file", "Vérifiez le fichier d’entreprises";
    ig_nothing_added_yet: ". Nothing is added until you choose Add companies.", ". Rien n’est ajouté tant que vous n’avez pas choisi Ajouter les entreprises.";
    ig_to_add: "Companies to add:", "Entreprises à ajouter :";
    ig_skipped: "Rows skipped:", "Lignes ignorées :";
    ig_will_happen: "What will happen", "Ce qui sera fait";
    ig_row_will_add: "Will be added", "Sera ajoutée";
    ig_add_companies: "Add companies", "Ajouter les entreprises";
    ig_nothing_to_add: "No row of this file would add a company: fix the file and upload it again.", "Aucune ligne de ce fichier n’ajouterait d’entreprise : corrigez le fichier et envoyez-le de nouveau.";
    ig_imported_by: "imported by", "importé par";
    ig_err_not_pending: "This invitation was accepted or revoked already, so nothing changed.", "Cette invitation a déjà été acceptée ou révoquée : rien n’a changé.";
    ig_err_not_admin: "This person is not a Company Admin of this company, so nothing changed.", "Cette personne n’est pas admin de cette entreprise : rien n’a changé.";
    ig_err_too_many_emails: "This address got 3 invitation emails from your network in the last 24 hours, the most allowed: nothing was sent. Try again tomorrow.", "Cette adresse a reçu 3 e-mails d’invitation de votre réseau ces dernières 24 heures, le maximum : rien n’a été envoyé. Réessayez demain.";
    ig_err_too_many_confirmations: "The confirmation email went to this address 3 times in the last 24 hours, the most allowed: nothing was sent again. Look for it in your inbox and spam folder, or try again tomorrow.", "L’e-mail de confirmation a été envoyé 3 fois à cette adresse ces dernières 24 heures, le maximum : rien n’a été renvoyé. Cherchez-le dans votre boîte de réception et vos indésirables, ou réessayez demain.";
    ig_done_resent: "Done: the invitation email is sent again, with a new link (the previous one stops working).", "C’est fait : l’e-mail d’invitation est renvoyé, avec un nouveau lien (le précédent ne fonctionne plus).";
    ig_done_revoked: "Done: the invitation is revoked, and its link no longer works.", "C’est fait : l’invitation est révoquée, et son lien ne fonctionne plus.";
    ig_done_removed: "Done: they are no longer a Company Admin of this company.", "C’est fait : cette personne n’est plus admin de cette entreprise.";
    ig_done_removed_last: "Done. The company has no Company Admin any more: its waiting requests are back in the Inbox, Out of network, until a new point of contact accepts.", "C’est fait. L’entreprise n’a plus d’admin : ses demandes en attente sont de retour dans la boîte de réception, Hors réseau, jusqu’à ce qu’un nouveau contact accepte.";
    ig_company_admin_of: "Company Admin of", "Admin d’entreprise de";
    ig_team_title: "Company Admins and invitations", "Admins d’entreprise et invitations";
    ig_admins_caption: "Who receives the company's introduction requests", "Qui reçoit les demandes de mise en relation de l’entreprise";
    ig_no_admins: "No Company Admin yet: requests to this company wait in the Inbox, Out of network.", "Pas encore d’admin d’entreprise : les demandes à cette entreprise attendent dans la boîte de réception, Hors réseau.";
    ig_since: "Since", "Depuis";
    ig_remove: "Remove", "Retirer";
    ig_remove_label: "Remove as Company Admin:", "Retirer des admins d’entreprise :";
    ig_invitations_caption: "Invitations to become a Company Admin", "Invitations à devenir admin d’entreprise";
    ig_no_invitations: "No invitation yet.", "Aucune invitation pour l’instant.";
    ig_invited_by: "Invited by", "Invité par";
    ig_state: "State", "État";
    ig_state_pending: "Pending", "En attente";
    ig_state_accepted: "Accepted", "Acceptée";
    ig_state_expired: "Expired", "Expirée";
    ig_state_revoked: "Revoked", "Révoquée";
    ig_resend: "Resend", "Renvoyer";
    ig_revoke: "Revoke", "Révoquer";
    ig_resend_label: "Resend the invitation to", "Renvoyer l’invitation à";
    ig_revoke_label: "Revoke the invitation to", "Révoquer l’invitation à";
    ig_actions: "Actions", "Opérations";
    ig_colleagues: "Company Admins of your company", "Admins d’entreprise de votre entreprise";
    ig_leave: "Leave", "Quitter";
    ig_leave_label: "Leave: stop being a Company Admin of this company", "Quitter : ne plus être admin de cette entreprise";
    ig_manage_admins: "Company Admins", "Admins d’entreprise";

    // Your account, and deleting it (issue 17: "Stop sharing means deleted, everywhere"). The
    // page says what goes in the Terms' own sentence (`terms_account_2`).
    nav_account: "Your account", "Votre compte";
    account_heading: "Your account", "Votre compte";
    account_name: "Name", "Nom";
    account_networks: "Your networks", "Vos réseaux";
    account_no_networks: "You are a member of no network.", "Vous n’êtes membre d’aucun réseau.";
    account_password_before: "To change your password, ask for a link by email:", "Pour changer votre mot de passe, demandez un lien par e-mail :";
    account_delete_heading: "Delete your account", "Supprimer votre compte";
    account_delete_link: "Delete my account…", "Supprimer mon compte…";
    delete_account_title: "Delete your account", "Supprimer votre compte";
    delete_account_heading: "Delete your account?", "Supprimer votre compte ?";
    delete_account_what: "What is deleted", "Ce qui est supprimé";
    delete_account_item_account: "Your account:", "Votre compte :";
    delete_account_item_password: "and your password.", "et votre mot de passe.";
    delete_account_item_memberships: "Your memberships:", "Vos adhésions :";
    delete_account_item_no_memberships: "Your memberships: none.", "Vos adhésions : aucune.";
    delete_account_item_contacts_before: "Every contact you shared:", "Toutes les relations que vous avez partagées :";
    delete_account_item_contacts_after: "in every network, with the introduction requests about them.", "dans tous les réseaux, avec les demandes de mise en relation qui les concernent.";
    delete_account_item_invitations: "The invitations sent to your email address, in every network.", "Les invitations envoyées à votre adresse e-mail, dans tous les réseaux.";
    delete_account_final: "This cannot be undone. You are signed out everywhere: here and in the extension.", "C’est irréversible. Vous êtes déconnecté partout : ici et dans l’extension.";
    delete_account_sole_before: "You are the only one who can manage roles and permissions in", "Vous êtes la seule personne à pouvoir gérer les rôles et les autorisations dans";
    delete_account_sole_after: ". If you delete your account now, no one will be able to manage its team. First give that permission to another Network Admin: Settings, Team Members, their Settings.", ". Si vous supprimez votre compte maintenant, personne ne pourra plus gérer son équipe. Donnez d’abord cette autorisation à un autre admin du réseau : Paramètres, Membres de l’équipe, ses paramètres.";
    delete_account_sole_link: "Team Members of", "Membres de l’équipe de";
    delete_account_password: "Your password, to confirm", "Votre mot de passe, pour confirmer";
    delete_account_button: "Delete my account", "Supprimer mon compte";
    err_delete_account_empty: "Enter your password to confirm: nothing was deleted.", "Saisissez votre mot de passe pour confirmer : rien n’a été supprimé.";
    err_delete_account_wrong: "That password is not right: nothing was deleted. Try again.", "Ce mot de passe n’est pas le bon : rien n’a été supprimé. Réessayez.";
    account_deleted_title: "Account deleted", "Compte supprimé";
    account_deleted_heading: "Your account is deleted", "Votre compte est supprimé";
    account_deleted_1: "It is done: your account, your memberships and every contact you shared are deleted from the server, in every network.", "C’est fait : votre compte, vos adhésions et toutes les relations que vous avez partagées sont supprimés du serveur, dans tous les réseaux.";
    account_deleted_2: "You are signed out, here and in the extension. You can remove the extension from your browser.", "Vous êtes déconnecté, ici et dans l’extension. Vous pouvez retirer l’extension de votre navigateur.";
}

/// A role as the pages name it (the API and the emails keep `members::role_label`).
pub fn role_label(role: allyshare_protocol::Role) -> &'static str {
    role_label_in(lang(), role)
}

/// [`role_label`] in `lang`.
pub fn role_label_in(lang: Lang, role: allyshare_protocol::Role) -> &'static str {
    use allyshare_protocol::Role;
    let m = lang.messages();
    match role {
        Role::Ally => m.role_ally,
        Role::NetworkAdmin => m.role_network_admin,
    }
}

/// A permission as the pages name it (`Permission::label` stays the API's English).
pub fn permission_label(permission: allyshare_protocol::Permission) -> &'static str {
    permission_label_in(lang(), permission)
}

/// [`permission_label`] in `lang`.
pub fn permission_label_in(lang: Lang, permission: allyshare_protocol::Permission) -> &'static str {
    use allyshare_protocol::Permission;
    let m = lang.messages();
    match permission {
        Permission::InviteMembers => m.perm_invite_members,
        Permission::ManageRoles => m.perm_manage_roles,
        Permission::RemoveMembers => m.perm_remove_members,
        Permission::ViewContacts => m.perm_view_contacts,
        Permission::ExportContacts => m.perm_export_contacts,
        Permission::ManageLists => m.perm_manage_lists,
        Permission::AskIntroductions => m.perm_ask_introductions,
        Permission::ReviewRequests => m.perm_review_requests,
        Permission::ManageSettings => m.perm_manage_settings,
    }
}

/// A permission template's name on the pages.
pub fn template_label(template: allyshare_protocol::PermissionTemplate) -> &'static str {
    template_label_in(lang(), template)
}

/// [`template_label`] in `lang`.
pub fn template_label_in(
    lang: Lang,
    template: allyshare_protocol::PermissionTemplate,
) -> &'static str {
    use allyshare_protocol::PermissionTemplate;
    let m = lang.messages();
    match template {
        PermissionTemplate::Admin => m.template_admin,
        PermissionTemplate::Recruiter => m.template_recruiter,
        PermissionTemplate::Viewer => m.template_viewer,
    }
}

/// What a permission template allows, in a sentence.
pub fn template_hint(template: allyshare_protocol::PermissionTemplate) -> &'static str {
    use allyshare_protocol::PermissionTemplate;
    let m = m();
    match template {
        PermissionTemplate::Admin => m.template_admin_hint,
        PermissionTemplate::Recruiter => m.template_recruiter_hint,
        PermissionTemplate::Viewer => m.template_viewer_hint,
    }
}

/// `2 Jun 2025`, or as French reads it: `2 juin 2025`, `1er mars 2024`.
pub fn date(lang: Lang, year: i64, month: i64, day: i64) -> String {
    const EN_MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const FR_MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let index = usize::try_from(month - 1).unwrap_or(0).min(11);
    match lang {
        Lang::En => format!("{day} {} {year}", EN_MONTHS[index]),
        Lang::Fr if day == 1 => format!("1er {} {year}", FR_MONTHS[index]),
        Lang::Fr => format!("{day} {} {year}", FR_MONTHS[index]),
    }
}

/// A date and a time of day: `2 Jun 2025, 14:05` or `2 juin 2025 à 14:05`.
pub fn date_time(lang: Lang, date: &str, time: &str) -> String {
    match lang {
        Lang::En => format!("{date}, {time}"),
        Lang::Fr => format!("{date} à {time}"),
    }
}

/// `2 Jun 2025 at 14:05 UTC` or `2 juin 2025 à 14:05 UTC`.
pub fn date_at(lang: Lang, date: &str, time: &str) -> String {
    match lang {
        Lang::En => format!("{date} at {time}"),
        Lang::Fr => format!("{date} à {time}"),
    }
}

/// A count as the page's language writes it: `1,234` or `1 234` (a narrow no-break space
/// between thousands, as French typography has it).
pub fn number(lang: Lang, n: i64) -> String {
    let separator = match lang {
        Lang::En => ",",
        Lang::Fr => "\u{202f}",
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// `1 contact`, `1,234 contacts` (`1 234 contacts`).
pub fn contacts_count(lang: Lang, n: u64) -> String {
    let count = number(lang, n as i64);
    match (lang, n) {
        (Lang::En, 1) | (Lang::Fr, 0 | 1) => format!("{n} contact"),
        _ => format!("{count} contacts"),
    }
}

/// Why a new password was refused.
pub fn password_problem(lang: Lang, problem: crate::passwords::PasswordProblem) -> String {
    use crate::passwords::PasswordProblem;
    use allyshare_protocol::limits::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
    match (lang, problem) {
        (Lang::En, p) => p.to_string(),
        (Lang::Fr, PasswordProblem::TooShort) => {
            format!("Votre mot de passe doit faire au moins {PASSWORD_MIN_CHARS} caractères.")
        }
        (Lang::Fr, PasswordProblem::TooLong) => {
            format!("Votre mot de passe doit faire au plus {PASSWORD_MAX_CHARS} caractères.")
        }
        (Lang::Fr, PasswordProblem::TooCommon) => FR.err_password_too_common.to_string(),
    }
}

/// A form field past its bound (the protocol's [`allyshare_protocol::TooLong`], whose
/// words are the API's English).
pub fn too_long(lang: Lang, e: &allyshare_protocol::bounds::TooLong) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    let field = match e.field {
        "name" => "Le nom est trop long",
        "email address" => "L’adresse e-mail est trop longue",
        "note" => "Le mot est trop long",
        "list name" => "Le nom de la liste est trop long",
        "list of contacts" => "La liste de contacts est trop longue",
        _ => "Ce champ est trop long",
    };
    let unit = match e.unit {
        "characters" => "caractères",
        "contacts" => "contacts",
        other => other,
    };
    format!("{field} (au plus {} {unit}).", e.limit)
}

/// `3 hours`, `25 minutes`, `40 seconds` (a wait, rounded up).
pub fn wait_words(lang: Lang, seconds: i64) -> String {
    let (n, unit) = if seconds >= 2 * 3600 {
        ((seconds + 3599) / 3600, 0)
    } else if seconds >= 120 {
        ((seconds + 59) / 60, 1)
    } else {
        (seconds.max(1), 2)
    };
    let units = match lang {
        Lang::En => ["hours", "minutes", "seconds"],
        Lang::Fr => ["heures", "minutes", "secondes"],
    };
    match (n, lang) {
        (1, Lang::En) => format!("1 {}", units[unit].trim_end_matches('s')),
        (1, Lang::Fr) => format!("1 {}", units[unit].trim_end_matches('s')),
        _ => format!("{n} {}", units[unit]),
    }
}

/// Invite Member: the address had its most invitation emails of the day.
pub fn too_many_invitation_emails(lang: Lang, email: &str, sent: u32, retry_after: i64) -> String {
    let wait = wait_words(lang, retry_after);
    match lang {
        Lang::En => format!(
            "The address {email} got {sent} invitation emails from this network in the last 24 \
             hours, the most allowed: try again in {wait}."
        ),
        Lang::Fr => format!(
            "L’adresse {email} a reçu {sent} e-mails d’invitation de ce réseau ces dernières 24 \
             heures, le maximum autorisé : réessayez dans {wait}."
        ),
    }
}

/// Invite Member: the person is in the network already.
pub fn already_member(lang: Lang, email: &str, network: &str) -> String {
    match lang {
        Lang::En => format!("{email} is already a member of {network}."),
        Lang::Fr => format!("{email} fait déjà partie de {network}."),
    }
}

/// The personal note of an invitation, refused.
pub fn note_problem(lang: Lang, too_long: bool, max: usize) -> String {
    match (lang, too_long) {
        (Lang::En, true) => format!("The note must be at most {max} characters."),
        (Lang::En, false) => "The note must not contain control characters.".to_string(),
        (Lang::Fr, true) => format!("Le mot doit faire au plus {max} caractères."),
        (Lang::Fr, false) => "Le mot ne doit pas contenir de caractères de contrôle.".to_string(),
    }
}

/// Why a CSV file cannot be imported (the API keeps [`crate::csvfile::CsvError`]'s English).
pub fn csv_error(lang: Lang, e: &crate::csvfile::CsvError) -> String {
    use crate::csvfile::CsvError;
    use allyshare_protocol::limits::{CSV_MAX_BYTES, CSV_MAX_ROWS};
    if lang == Lang::En {
        return e.to_string();
    }
    let mib = CSV_MAX_BYTES / (1024 * 1024);
    match e {
        CsvError::TooLarge => format!(
            "Le fichier dépasse {mib} Mio, le maximum importable en une fois. Découpez-le en \
             fichiers plus petits et importez chacun d’eux."
        ),
        CsvError::NotText => "Le fichier n’est pas un fichier texte CSV. S’il s’agit d’un \
             tableur (.xlsx, .ods, .numbers), enregistrez-le ou exportez-le d’abord en CSV."
            .to_string(),
        CsvError::UnclosedQuote(line) => format!(
            "Ligne {line} : une valeur entre guillemets n’est pas refermée, le fichier ne peut \
             donc pas être lu. Cherchez un guillemet (\") égaré sur cette ligne et exportez à \
             nouveau le fichier."
        ),
        CsvError::NoEmailColumn => "Aucune colonne d’adresse e-mail n’a été trouvée. Ajoutez \
             une ligne d’en-tête avec une colonne nommée « E-mail » (et « Prénom » et « Nom », \
             ou « Nom complet »)."
            .to_string(),
        CsvError::NoCompanyColumn => "Aucune colonne de nom d’entreprise n’a été trouvée. \
             Ajoutez une ligne d’en-tête avec une colonne nommée « Name » (et « Website » et \
             « Description » si vous les avez)."
            .to_string(),
        CsvError::Empty => {
            "Le fichier n’a aucune ligne. Choisissez un fichier CSV avec une personne par ligne."
                .to_string()
        }
        CsvError::TooManyRows(n) => format!(
            "Le fichier a {} lignes ; au plus {} peuvent être importées en une fois. Découpez-le \
             en fichiers plus petits et importez chacun d’eux.",
            number(lang, *n as i64),
            number(lang, CSV_MAX_ROWS as i64)
        ),
    }
}

/// The upload page's refusal of a file: `“a.csv” was not imported, and nobody was invited. …`
pub fn import_refused(lang: Lang, file_name: &str, e: &crate::csvfile::CsvError) -> String {
    let why = csv_error(lang, e);
    match (lang, file_name.is_empty()) {
        (Lang::En, true) => format!("The file was not imported, and nobody was invited. {why}"),
        (Lang::En, false) => {
            format!("“{file_name}” was not imported, and nobody was invited. {why}")
        }
        (Lang::Fr, true) => {
            format!("Le fichier n’a pas été importé, et personne n’a été invité. {why}")
        }
        (Lang::Fr, false) => {
            format!("« {file_name} » n’a pas été importé, et personne n’a été invité. {why}")
        }
    }
}

/// The guard's page for an upload over the limit: two sentences.
pub fn upload_too_large(lang: Lang) -> [String; 2] {
    use allyshare_protocol::limits::{CSV_MAX_BYTES, CSV_MAX_ROWS};
    let mib = CSV_MAX_BYTES / (1024 * 1024);
    let rows = number(lang, CSV_MAX_ROWS as i64);
    match lang {
        Lang::En => [
            format!(
                "The file is larger than {mib} MiB, the most that can be uploaded at once, and \
                 nothing was imported."
            ),
            format!(
                "Split it into smaller files (at most {CSV_MAX_ROWS} rows each) and upload each."
            ),
        ],
        Lang::Fr => [
            format!(
                "Le fichier dépasse {mib} Mio, le maximum qui peut être envoyé en une fois ; rien \
                 n’a été importé."
            ),
            format!(
                "Découpez-le en fichiers plus petits (au plus {rows} lignes chacun) et envoyez \
                 chacun d’eux."
            ),
        ],
    }
}

/// The upload page's limits: `… At most 5,000 rows and 2 MiB.`
pub fn import_limits(lang: Lang, rows: usize, mib: usize) -> String {
    let rows = number(lang, rows as i64);
    match lang {
        Lang::En => format!(
            "Exports from Excel, Google Sheets, LinkedIn and HubSpot work as they are (commas or \
             semicolons, quoted values). At most {rows} rows and {mib} MiB."
        ),
        Lang::Fr => format!(
            "Les exports d’Excel, Google Sheets, LinkedIn et HubSpot fonctionnent tels quels \
             (virgules ou points-virgules, valeurs entre guillemets, en-têtes en français ou en \
             anglais). Au plus {rows} lignes et {mib} Mio."
        ),
    }
}

/// `1 row`, `5,000 rows`.
pub fn rows_count(lang: Lang, n: usize) -> String {
    let count = number(lang, n as i64);
    match (lang, n) {
        (Lang::En, 1) => "1 row".to_string(),
        (Lang::En, _) => format!("{count} rows"),
        (Lang::Fr, 0 | 1) => format!("{n} ligne"),
        (Lang::Fr, _) => format!("{count} lignes"),
    }
}

/// `1 person`, `5 people`.
pub fn people_count(lang: Lang, n: usize) -> String {
    let count = number(lang, n as i64);
    match (lang, n) {
        (Lang::En, 1) => "1 person".to_string(),
        (Lang::En, _) => format!("{count} people"),
        (Lang::Fr, 0 | 1) => format!("{n} personne"),
        (Lang::Fr, _) => format!("{count} personnes"),
    }
}

/// How the preview read the file: the text, the separator, the header.
pub fn preview_reading(
    lang: Lang,
    encoding: &str,
    separator: char,
    header_line: Option<u32>,
    skipped: usize,
) -> String {
    let sep = match (lang, separator) {
        (Lang::En, ';') => "semicolons (;)",
        (Lang::En, '\t') => "tabs",
        (Lang::En, _) => "commas (,)",
        (Lang::Fr, ';') => "points-virgules (;)",
        (Lang::Fr, '\t') => "tabulations",
        (Lang::Fr, _) => "virgules (,)",
    };
    let mut text = match lang {
        Lang::En => format!("Read as {encoding} text, values separated by {sep}."),
        Lang::Fr => format!("Lu comme du texte {encoding}, valeurs séparées par des {sep}."),
    };
    let skipped_words = match (lang, skipped) {
        (_, 0) => String::new(),
        (Lang::En, 1) => " (1 line before it skipped)".to_string(),
        (Lang::En, n) => format!(" ({n} lines before it skipped)"),
        (Lang::Fr, 1) => " (1 ligne ignorée avant elle)".to_string(),
        (Lang::Fr, n) => format!(" ({n} lignes ignorées avant elle)"),
    };
    text.push_str(&match (lang, header_line) {
        (Lang::En, Some(line)) => format!(" Header row: line {line}{skipped_words}."),
        (Lang::Fr, Some(line)) => format!(" Ligne d’en-tête : ligne {line}{skipped_words}."),
        (Lang::En, None) => " No header row: in each row, the value with an @ is the email and \
                             the others are the name."
            .to_string(),
        (Lang::Fr, None) => " Pas de ligne d’en-tête : dans chaque ligne, la valeur qui contient \
                             un @ est l’adresse e-mail et les autres forment le nom."
            .to_string(),
    });
    text
}

/// The preview table's caption.
pub fn first_rows_caption(lang: Lang, shown: usize, total: usize) -> String {
    let total = number(lang, total as i64);
    match lang {
        Lang::En => format!("The first {shown} of {total} rows, as they will be invited"),
        Lang::Fr => {
            format!("Les {shown} premières lignes sur {total}, telles qu’elles seront invitées")
        }
    }
}

/// `3 rows will not be invited:`
pub fn rows_not_invited(lang: Lang, n: usize) -> String {
    let count = number(lang, n as i64);
    match (lang, n) {
        (Lang::En, 1) => "1 row will not be invited:".to_string(),
        (Lang::En, _) => format!("{count} rows will not be invited:"),
        (Lang::Fr, 1) => "1 ligne ne sera pas invitée :".to_string(),
        (Lang::Fr, _) => format!("{count} lignes ne seront pas invitées :"),
    }
}

/// The last item of the preview's problem list.
pub fn more_problems(lang: Lang, n: usize) -> String {
    let n = number(lang, n as i64);
    match lang {
        Lang::En => format!("and {n} more (all listed in the results after inviting)."),
        Lang::Fr => {
            format!("et {n} autres (toutes listées dans les résultats après l’invitation).")
        }
    }
}

/// `Line 7 (a@b.org): …` of the preview's problem list.
pub fn problem_line(lang: Lang, line: u32, email: &str, problem: &str) -> String {
    let (word, colon) = match lang {
        Lang::En => ("Line", ":"),
        Lang::Fr => ("Ligne", " :"),
    };
    if email.is_empty() {
        format!("{word} {line}{colon} {problem}")
    } else {
        format!("{word} {line} ({email}){colon} {problem}")
    }
}

/// What *Invite* will do.
pub fn will_get_email(lang: Lang, n: usize) -> String {
    let people = people_count(lang, n);
    match lang {
        Lang::En => format!(
            "{people} will get an invitation email. Anyone already a member is skipped; anyone \
             already invited is sent the invitation again (their earlier link stops working)."
        ),
        Lang::Fr => {
            let verb = if n == 1 { "recevra" } else { "recevront" };
            format!(
                "{people} {verb} un e-mail d’invitation. Les personnes déjà membres sont \
                 ignorées ; celles déjà invitées reçoivent à nouveau l’invitation (leur lien \
                 précédent cesse de fonctionner)."
            )
        }
    }
}

/// The preview's button: `Invite 5 people`.
pub fn invite_people(lang: Lang, n: usize) -> String {
    let people = people_count(lang, n);
    match lang {
        Lang::En => format!("Invite {people}"),
        Lang::Fr => format!("Inviter {people}"),
    }
}

/// How long a pending upload is kept.
pub fn kept_until(lang: Lang, time: &str) -> String {
    match lang {
        Lang::En => {
            format!("This upload is kept until {time}, then you would need to upload it again.")
        }
        Lang::Fr => {
            format!("Ce fichier est conservé jusqu’à {time} ; ensuite, il faudrait le renvoyer.")
        }
    }
}

/// The page of an upload that is not (or no longer) there.
pub fn upload_gone_text(lang: Lang, minutes: i64) -> String {
    match lang {
        Lang::En => format!(
            "There is no such upload in this network for you. An uploaded file is kept for \
             {minutes} minutes, and only for the admin who uploaded it; nobody was invited from it."
        ),
        Lang::Fr => format!(
            "Ce fichier n’existe pas dans ce réseau, ou pas pour vous. Un fichier envoyé est \
             conservé {minutes} minutes, et seulement pour l’admin qui l’a envoyé ; personne n’a \
             été invité depuis ce fichier."
        ),
    }
}

/// A name of the file refused for what it holds: `The name must be at most 200 characters: not
/// invited.` (the preview) or the reason inside the result's words.
pub fn name_too_long_reason(lang: Lang, max: usize) -> String {
    match lang {
        Lang::En => format!("the name must be at most {max} characters"),
        Lang::Fr => format!("au plus {max} caractères"),
    }
}

/// The preview's check of a row whose name is too long.
pub fn row_name_too_long(lang: Lang, max: usize) -> String {
    match lang {
        Lang::En => format!("The name must be at most {max} characters: not invited."),
        Lang::Fr => format!("Le nom dépasse {max} caractères : pas d’invitation."),
    }
}

/// The preview's check of a second row with the same email.
pub fn row_same_email(lang: Lang, line: u32) -> String {
    match lang {
        Lang::En => format!("Same email as line {line}: not invited twice."),
        Lang::Fr => {
            format!("Même adresse e-mail que la ligne {line} : pas d’invitation en double.")
        }
    }
}

/// The result of a row whose name was refused for what it holds.
pub fn outcome_name_refused(lang: Lang, reason: &str) -> String {
    match lang {
        Lang::En => format!("Name not accepted ({reason}): not invited"),
        Lang::Fr => format!("Nom refusé ({reason}) : pas d’invitation"),
    }
}

/// The result of a second row with the same email.
pub fn outcome_duplicate_of(lang: Lang, line: u32) -> String {
    match lang {
        Lang::En => {
            format!("Duplicate in file (same email as line {line}): not invited again")
        }
        Lang::Fr => format!(
            "En double dans le fichier (même adresse e-mail que la ligne {line}) : pas de \
             nouvelle invitation"
        ),
    }
}

/// The result of a row that failed.
pub fn outcome_failed(lang: Lang, reason: &str) -> String {
    match lang {
        Lang::En => format!("Not invited: {reason}"),
        Lang::Fr => format!("Pas d’invitation : {reason}"),
    }
}

/// How far an import's emails have gone through the mail queue.
pub fn mail_progress(
    lang: Lang,
    sent: i64,
    total: i64,
    queued_minutes: Option<(u32, i64)>,
    failed: i64,
    dropped: i64,
) -> String {
    let n = |v: i64| number(lang, v);
    let mut text = match (lang, queued_minutes) {
        (Lang::En, Some((per_minute, minutes))) => format!(
            "{} of {} emails sent; the rest go out at up to {per_minute} per minute (about {} \
             more).",
            n(sent),
            n(total),
            if minutes <= 1 {
                "a minute".to_string()
            } else {
                format!("{minutes} minutes")
            }
        ),
        (Lang::En, None) => format!("{} of {} emails sent.", n(sent), n(total)),
        (Lang::Fr, Some((per_minute, minutes))) => format!(
            "{} e-mails envoyés sur {} ; les autres partent au rythme de {per_minute} par \
             minute au plus (encore {} environ).",
            n(sent),
            n(total),
            if minutes <= 1 {
                "une minute".to_string()
            } else {
                format!("{minutes} minutes")
            }
        ),
        (Lang::Fr, None) => format!("{} e-mails envoyés sur {}.", n(sent), n(total)),
    };
    if failed > 0 {
        text.push_str(&match lang {
            Lang::En => format!(
                " {} could not be delivered after repeated tries: re-send those invitations from \
                 Team Members.",
                n(failed)
            ),
            Lang::Fr => format!(
                " {} n’ont pas pu être remis malgré plusieurs essais : renvoyez ces invitations \
                 depuis Membres de l’équipe.",
                n(failed)
            ),
        });
    }
    if dropped > 0 {
        text.push_str(&match lang {
            Lang::En => format!(
                " {} were not sent because the invitation was revoked, replaced or accepted first.",
                n(dropped)
            ),
            Lang::Fr => format!(
                " {} n’ont pas été envoyés, l’invitation ayant d’abord été révoquée, remplacée ou \
                 acceptée.",
                n(dropped)
            ),
        });
    }
    text
}

/// A list action the service refused, in the page's language (the API keeps
/// [`crate::lists::ListError`]'s English).
pub fn list_error(lang: Lang, e: &crate::lists::ListError) -> String {
    use crate::lists::{ListError, ListNameProblem};
    use allyshare_protocol::lists::{LISTS_MAX_PER_NETWORK, LIST_MAX_ENTRIES, LIST_NAME_MAX_CHARS};
    let m = lang.messages();
    match (lang, e) {
        (Lang::En, e) | (_, e @ ListError::Refused(_)) => e.to_string(),
        (Lang::Fr, ListError::NotFound) => m.list_not_found.to_string(),
        (Lang::Fr, ListError::InvalidName(ListNameProblem::Empty)) => {
            m.err_list_name_empty.to_string()
        }
        (Lang::Fr, ListError::InvalidName(ListNameProblem::TooLong)) => {
            format!("Le nom est trop long : au plus {LIST_NAME_MAX_CHARS} caractères.")
        }
        (Lang::Fr, ListError::InvalidName(ListNameProblem::Control)) => {
            m.err_list_name_control.to_string()
        }
        (Lang::Fr, ListError::DuplicateName(name)) => format!(
            "Ce réseau a déjà une liste nommée « {name} » (majuscules et minuscules comptent \
             pour la même lettre). Choisissez un autre nom."
        ),
        (Lang::Fr, ListError::TooManyLists) => format!(
            "Ce réseau a {LISTS_MAX_PER_NETWORK} listes de mises en relation, le maximum \
             possible. Supprimez d’abord une liste dont vous n’avez plus besoin."
        ),
        (Lang::Fr, ListError::TooManyEntries(room)) => format!(
            "Une liste contient au plus {} contacts, et celle-ci a de la place pour {} de \
             plus : rien n’a été ajouté. Ajoutez-en moins, ou commencez une autre liste.",
            number(lang, LIST_MAX_ENTRIES as i64),
            number(lang, *room as i64)
        ),
        (Lang::Fr, ListError::NoteTooLong) => format!(
            "Le mot est trop long (au plus {} caractères).",
            number(lang, allyshare_protocol::limits::NOTE_MAX_CHARS as i64)
        ),
    }
}

/// The list page's notice after *Add selected to the list*.
pub fn list_added(lang: Lang, added: u64, already: u64, gone: u64) -> String {
    let n = |v: u64| contacts_count(lang, v);
    let mut text = match (lang, added) {
        (Lang::En, _) => format!("{} added to the list.", n(added)),
        (Lang::Fr, 0 | 1) => format!("{} ajouté à la liste.", n(added)),
        (Lang::Fr, _) => format!("{} ajoutés à la liste.", n(added)),
    };
    if already > 0 {
        text.push_str(&match (lang, already) {
            (Lang::En, 1) => " 1 contact was already on it.".to_string(),
            (Lang::En, _) => format!(" {} were already on it.", n(already)),
            (Lang::Fr, 1) => " 1 contact y était déjà.".to_string(),
            (Lang::Fr, _) => format!(" {} y étaient déjà.", n(already)),
        });
    }
    if gone > 0 {
        text.push_str(&match (lang, gone) {
            (Lang::En, 1) => {
                " 1 contact not added: no ally shares it with the network any more.".to_string()
            }
            (Lang::En, _) => format!(
                " {} not added: no ally shares them with the network any more.",
                n(gone)
            ),
            (Lang::Fr, 1) => " 1 contact non ajouté : plus aucun allié ne le partage avec le \
                               réseau."
                .to_string(),
            (Lang::Fr, _) => format!(
                " {} non ajoutés : plus aucun allié ne les partage avec le réseau.",
                n(gone)
            ),
        });
    }
    text
}

/// The list page's notice after *Remove selected from the list*.
pub fn list_removed(lang: Lang, removed: u64) -> String {
    let n = contacts_count(lang, removed);
    match (lang, removed) {
        (Lang::En, _) => format!("{n} removed from the list."),
        (Lang::Fr, 0 | 1) => format!("{n} retiré de la liste."),
        (Lang::Fr, _) => format!("{n} retirés de la liste."),
    }
}

/// More contacts selected than one request may carry.
pub fn too_many_selected(lang: Lang, max: usize) -> String {
    match lang {
        Lang::En => format!(
            "At most {max} contacts can be added or removed at once, so nothing changed. Select \
             fewer."
        ),
        Lang::Fr => format!(
            "Au plus {max} contacts peuvent être ajoutés ou retirés en une fois : rien n’a \
             changé. Sélectionnez-en moins."
        ),
    }
}

/// `2 asks sent, 1 contact skipped.`
pub fn ask_summary(lang: Lang, sent: usize, skipped: usize) -> String {
    let asks = match (lang, sent) {
        (Lang::En, 0) => "No ask was sent".to_string(),
        (Lang::En, 1) => "1 ask sent".to_string(),
        (Lang::En, n) => format!("{} asks sent", number(lang, n as i64)),
        (Lang::Fr, 0) => "Aucune demande n’a été envoyée".to_string(),
        (Lang::Fr, 1) => "1 demande envoyée".to_string(),
        (Lang::Fr, n) => format!("{} demandes envoyées", number(lang, n as i64)),
    };
    let skipped_words = contacts_count(lang, skipped as u64);
    match (lang, skipped) {
        (_, 0) => format!("{asks}."),
        (Lang::En, _) => format!("{asks}, {skipped_words} skipped."),
        (Lang::Fr, 1) => format!("{asks}, {skipped_words} ignoré."),
        (Lang::Fr, _) => format!("{asks}, {skipped_words} ignorés."),
    }
}

/// The Contacts page: a *Connected since* that is not a date.
pub fn not_a_date(lang: Lang, typed: &str) -> String {
    match lang {
        Lang::En => format!(
            "“{typed}” is not a date, so the contacts are not filtered by it. Enter the date as \
             YYYY-MM-DD, for example 2024-01-31."
        ),
        Lang::Fr => format!(
            "« {typed} » n’est pas une date : les contacts ne sont donc pas filtrés par elle. \
             Saisissez la date au format AAAA-MM-JJ, par exemple 2024-01-31."
        ),
    }
}

/// The contact page's ask, without an ally chosen.
pub fn choose_ally(lang: Lang, contact: &str) -> String {
    match lang {
        Lang::En => {
            format!("Please choose the ally to ask: one of the allies who know {contact}.")
        }
        Lang::Fr => {
            format!("Choisissez l’allié à solliciter : un des alliés qui connaissent {contact}.")
        }
    }
}

/// The contact page's ask, with a note over its limit.
pub fn ask_note_too_long(lang: Lang, max: usize, has: usize) -> String {
    match lang {
        Lang::En => format!("The note is too long: at most {max} characters (it has {has})."),
        Lang::Fr => format!(
            "Le mot est trop long : au plus {} caractères (il en a {}).",
            number(lang, max as i64),
            number(lang, has as i64)
        ),
    }
}

/// The contact page's ask, to an ally already asked about this contact.
pub fn ask_already_pending(lang: Lang, ally: &str, contact: &str) -> String {
    match lang {
        Lang::En => format!(
            "{ally} already has a pending ask to introduce {contact}: it is on the Asks page. \
             Choose another ally, or wait for their answer."
        ),
        Lang::Fr => format!(
            "{ally} a déjà une demande en attente pour présenter {contact} : elle figure sur la \
             page Demandes de mise en relation. Choisissez un autre allié, ou attendez sa \
             réponse."
        ),
    }
}

/// The contact page's ask, to an ally who stopped sharing the contact meanwhile.
pub fn ally_no_longer_shares(lang: Lang, ally: &str, contact: &str) -> String {
    match lang {
        Lang::En => format!(
            "{ally} no longer shares {contact} with this network, so nothing was sent. Choose \
             another ally."
        ),
        Lang::Fr => format!(
            "{ally} ne partage plus {contact} avec ce réseau : rien n’a été envoyé. Choisissez \
             un autre allié."
        ),
    }
}

/// The Asks page's notice after an ask.
pub fn ask_sent(lang: Lang, ally: &str, contact: &str) -> String {
    match lang {
        Lang::En => format!(
            "Your ask is sent: {ally} is asked to introduce {contact}. Their answer will show \
             here."
        ),
        Lang::Fr => format!(
            "Votre demande est envoyée : {ally} est sollicité pour présenter {contact}. Sa \
             réponse s’affichera ici."
        ),
    }
}

/// `Invitation links work for 14 days.`
pub fn invitation_valid_days(lang: Lang, days: i64) -> String {
    match lang {
        Lang::En => format!("Invitation links work for {days} days."),
        Lang::Fr => format!("Les liens d’invitation fonctionnent pendant {days} jours."),
    }
}

/// The Team page's notice after *Send Invite* or *Resend*.
pub fn invitation_sent(lang: Lang, again: bool, to: Option<(&str, &str)>) -> String {
    match (lang, to) {
        (Lang::En, Some((name, email))) => {
            let verb = if again { "sent again" } else { "sent" };
            format!("The invitation to {name} ({email}) is {verb}: it is on its way by email.")
        }
        (Lang::En, None) => {
            let verb = if again { "sent again" } else { "sent" };
            format!("The invitation is {verb}.")
        }
        (Lang::Fr, Some((name, email))) => {
            let verb = if again { "renvoyée" } else { "envoyée" };
            format!("L’invitation à {name} ({email}) est {verb} : elle part par e-mail.")
        }
        (Lang::Fr, None) => {
            let verb = if again { "renvoyée" } else { "envoyée" };
            format!("L’invitation est {verb}.")
        }
    }
}

/// `Custom (4 permissions)`.
pub fn custom_permissions(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (_, 1) => lang.messages().custom_one_permission.to_string(),
        (Lang::En, n) => format!("Custom ({n} permissions)"),
        (Lang::Fr, n) => format!("Personnalisé ({n} autorisations)"),
    }
}

/// `“x” is not a valid email address.`
pub fn invalid_email(lang: Lang, email: &str) -> String {
    match lang {
        Lang::En => format!("“{email}” is not a valid email address."),
        Lang::Fr => format!("« {email} » n’est pas une adresse e-mail valide."),
    }
}

/// The Invite Member form, for someone invited already.
pub fn already_invited(lang: Lang, email: &str, network: &str) -> String {
    match lang {
        Lang::En => format!(
            "{email} has already been invited to {network} and has not answered yet. You can \
             send the invitation again below."
        ),
        Lang::Fr => format!(
            "{email} a déjà été invité à rejoindre {network} et n’a pas encore répondu. Vous \
             pouvez lui renvoyer l’invitation ci-dessous."
        ),
    }
}

/// `The first name must be at most 200 characters.`
pub fn name_too_long(lang: Lang, first: bool, max: usize) -> String {
    match (lang, first) {
        (Lang::En, true) => format!("The first name must be at most {max} characters."),
        (Lang::En, false) => format!("The last name must be at most {max} characters."),
        (Lang::Fr, true) => format!("Le prénom doit faire au plus {max} caractères."),
        (Lang::Fr, false) => format!("Le nom doit faire au plus {max} caractères."),
    }
}

/// Sign-in or reset-link throttling: `… Please try again in 3 minutes.`
pub fn try_again_in(lang: Lang, what: TooMany, minutes: u64) -> String {
    let plural = if minutes == 1 { "" } else { "s" };
    match (lang, what) {
        (Lang::En, TooMany::SignIn) => {
            format!("Too many sign-in attempts. Please try again in {minutes} minute{plural}.")
        }
        (Lang::En, TooMany::ResetLinks) => format!(
            "Too many requests for a reset link. Please try again in {minutes} minute{plural}."
        ),
        (Lang::En, TooMany::AccountPassword) => {
            format!("Too many attempts with this account. Please try again in {minutes} minutes.")
        }
        (Lang::Fr, TooMany::SignIn) => {
            format!("Trop de tentatives de connexion. Réessayez dans {minutes} minute{plural}.")
        }
        (Lang::Fr, TooMany::ResetLinks) => format!(
            "Trop de demandes de lien de réinitialisation. Réessayez dans {minutes} \
             minute{plural}."
        ),
        (Lang::Fr, TooMany::AccountPassword) => {
            format!("Trop de tentatives avec ce compte. Réessayez dans {minutes} minute{plural}.")
        }
        (Lang::En, TooMany::Join) => format!(
            "Too many tries to join from here or with this address, so nothing was created. \
             Please try again in {minutes} minute{plural}, or look for the confirmation email \
             in your inbox."
        ),
        (Lang::Fr, TooMany::Join) => format!(
            "Trop de tentatives d’inscription depuis cet endroit ou avec cette adresse : rien \
             n’a été créé. Réessayez dans {minutes} minute{plural}, ou cherchez l’e-mail de \
             confirmation dans votre boîte de réception."
        ),
    }
}

/// What was tried too often.
#[derive(Debug, Clone, Copy)]
pub enum TooMany {
    SignIn,
    ResetLinks,
    AccountPassword,
    /// A network's join page (issue 14).
    Join,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_by_q_value() {
        assert_eq!(accepted("fr-FR,fr;q=0.9,en;q=0.8"), Some(Lang::Fr));
        assert_eq!(accepted("de, en;q=0.5, fr;q=0.7"), Some(Lang::Fr));
        assert_eq!(accepted("en-GB, fr"), Some(Lang::En));
        assert_eq!(accepted("fr;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(accepted("de, *"), None);
        assert_eq!(accepted(""), None);
    }

    #[test]
    fn numbers_and_dates_as_each_language_writes_them() {
        assert_eq!(number(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(number(Lang::Fr, 1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(number(Lang::En, -1_234), "-1,234");
        assert_eq!(number(Lang::Fr, 999), "999");
        assert_eq!(date(Lang::En, 2024, 3, 1), "1 Mar 2024");
        assert_eq!(date(Lang::Fr, 2024, 3, 1), "1er mars 2024");
        assert_eq!(date(Lang::Fr, 2025, 8, 15), "15 août 2025");
        assert_eq!(contacts_count(Lang::Fr, 0), "0 contact");
        assert_eq!(contacts_count(Lang::En, 0), "0 contacts");
        assert_eq!(contacts_count(Lang::Fr, 1_200), "1\u{202f}200 contacts");
    }

    #[test]
    fn back_stays_on_this_server() {
        assert_eq!(
            safe_back("/admin/networks/1/team?q=a"),
            "/admin/networks/1/team?q=a"
        );
        assert_eq!(safe_back("//evil.example/"), "/admin");
        assert_eq!(safe_back("https://evil.example/"), "/admin");
        assert_eq!(safe_back("/\\evil.example"), "/admin");
    }

    #[test]
    fn every_french_string_is_french() {
        let en = EN.entries();
        let fr = FR.entries();
        assert_eq!(en.len(), fr.len());
        for ((name, english), (_, french)) in en.iter().zip(fr.iter()) {
            let same = english == french;
            let listed = SAME_IN_BOTH.contains(name);
            if *name == "lang_code" {
                continue;
            }
            if same && !listed {
                // Punctuation-only strings may be the same.
                assert!(
                    english.chars().all(|c| !c.is_alphabetic()),
                    "{name} is the same in English and French: {english:?}"
                );
            }
        }
    }
}

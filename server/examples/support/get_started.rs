//! Accepting an invitation the way the Get Started page's own form does: with the form cookie
//! the page sets and its token in the `form_token` field (the server refuses form posts
//! without them, see `allyshare_server::cross_site`).

/// Sets `password`, accepts the terms; the answer's status.
pub async fn accept_invitation(
    http: &reqwest::Client,
    link: &str,
    password: &str,
) -> reqwest::StatusCode {
    let page = http.get(link).send().await.expect("the Get Started page");
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("allyshare_form="))
        .and_then(|v| v.split(';').next())
        .expect("the page sets a form cookie")
        .to_string();
    let token = cookie
        .split_once('=')
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();
    http.post(link)
        .header("cookie", &cookie)
        .form(&[
            ("password", password),
            ("password_confirm", password),
            ("terms", "accepted"),
            ("form_token", &token),
        ])
        .send()
        .await
        .expect("accepting the invitation")
        .status()
}

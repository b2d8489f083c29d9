// The corsAllowOrigin parameter as a list: `--param` values are strings, so several origins
// arrive comma-separated ("https://a.example,https://b.example") and the HTTP API needs a list.
module.exports = async ({ resolveVariable }) =>
  String(await resolveVariable('param:corsAllowOrigin'))
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);

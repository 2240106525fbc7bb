/**
 * The HTML bodies the simulated sites send: WordPress's setup page (the "Welcome" step of
 * wp-admin/install.php, whose title clients look for) and nginx's built-in error pages.
 */
import { STATUS_CODES } from 'node:http';

/** Debian 12's nginx, with the default `server_tokens on`. */
export const NGINX_VERSION = 'nginx/1.22.1';

/** `display_header()` + `display_setup_form()` of wp-admin/install.php, trimmed. */
export function installPage(): string {
  return `<!DOCTYPE html>
<html lang="en-US">
<head>
	<meta name="viewport" content="width=device-width" />
	<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
	<meta name="robots" content="noindex,nofollow" />
	<title>WordPress &rsaquo; Installation</title>
	<link rel="stylesheet" id="install-css" href="../wp-admin/css/install.min.css" media="all" />
</head>
<body class="wp-core-ui">
<p id="logo">WordPress</p>
<h1>Welcome</h1>
<p>Welcome to the famous five-minute WordPress installation process! Just fill in the information below and you&#8217;ll be on your way to using the most extendable and powerful personal publishing platform in the world.</p>
<h2>Information needed</h2>
<p>Please provide the following information. Do not worry, you can always change these settings later.</p>
<form id="setup" method="post" action="install.php?step=2" novalidate="novalidate">
	<table class="form-table" role="presentation">
		<tr><th scope="row"><label for="weblog_title">Site Title</label></th>
			<td><input name="weblog_title" type="text" id="weblog_title" size="25" value="" /></td></tr>
		<tr><th scope="row"><label for="user_login">Username</label></th>
			<td><input name="user_name" type="text" id="user_login" size="25" value="" autocomplete="username" /></td></tr>
		<tr><th scope="row"><label for="pass1">Password</label></th>
			<td><input type="password" name="admin_password" id="pass1" autocomplete="new-password" /></td></tr>
		<tr><th scope="row"><label for="admin_email">Your Email</label></th>
			<td><input name="admin_email" type="email" id="admin_email" size="25" value="" /></td></tr>
	</table>
	<p class="step"><input type="submit" name="Submit" id="submit" class="button button-large" value="Install WordPress" /></p>
	<input type="hidden" name="language" value="" />
</form>
</body>
</html>
`;
}

/** nginx's compiled-in error page (`ngx_http_error_pages`), CRLF line ends included. */
export function nginxError(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? ''}`;
  return [
    '<html>',
    `<head><title>${title}</title></head>`,
    '<body>',
    `<center><h1>${title}</h1></center>`,
    `<hr><center>${NGINX_VERSION}</center>`,
    '</body>',
    '</html>',
    '',
  ].join('\r\n');
}

<?php

/*
 * Runs every method of the extension against the stand-ins (*-stand-ins.php) and prints, as
 * JSON lines, each request it sent (with the scripted answer) and what the method returned or
 * threw. test/integrations/paymenter.test.ts reads the lines: it checks each request against
 * provisiond's OpenAPI document, sends it to a real app, compares the app's answer with the
 * scripted one, and checks the results. The token comes from PROVISIOND_TOKEN (never argv).
 *
 * Usage: PROVISIOND_TOKEN=… php harness.php
 */

require __DIR__ . '/laravel-stand-ins.php';
require __DIR__ . '/paymenter-stand-ins.php';

// Paymenter's PSR-4 mapping (Paymenter\Extensions\ → extensions/), for this one folder.
spl_autoload_register(function (string $class): void {
    $prefix = 'Paymenter\\Extensions\\Servers\\Provisiond\\';
    if (str_starts_with($class, $prefix)) {
        require __DIR__ . '/../Provisiond/' . substr($class, strlen($prefix)) . '.php';
    }
});

use App\Models\Service;
use Harness\Wire;
use Paymenter\Extensions\Servers\Provisiond\Provisiond;

require __DIR__ . '/replies.php';

$token = getenv('PROVISIOND_TOKEN');
if (!is_string($token) || $token === '') {
    fwrite(STDERR, "PROVISIOND_TOKEN is not set\n");
    exit(2);
}
$config = ['url' => 'http://provisiond.test:8080/', 'token' => $token, 'public_ip' => '203.0.113.10'];

function line(array $fields): void
{
    echo json_encode($fields, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
}

/** Runs one extension call against a script of answers and prints what happened. */
function scenario(string $name, array $config, array $script, callable $call): void
{
    Wire::reset($script);
    try {
        $result = ['kind' => 'result', 'value' => $call(new Provisiond($config))];
    } catch (\Throwable $e) {
        $result = ['kind' => 'exception', 'class' => get_class($e), 'message' => $e->getMessage(), 'error_code' => $e->errorCode ?? null];
    }
    foreach (Wire::$requests as $request) {
        line(['kind' => 'request', 'scenario' => $name] + $request);
    }
    line(['scenario' => $name, 'slept' => Wire::$slept, 'unused_answers' => count(Wire::$script)] + $result);
}

$customer = (object) ['id' => 7, 'email' => 'customer@example.com'];
$main = new Service(1001, $customer);
$basic = ['plan' => 'basic'];

scenario('testConfig', $config, [ok(['services' => [], 'next' => null])], fn ($ext) => $ext->testConfig());
scenario('testConfig with a wrong token', ['token' => 'not-the-right-token'] + $config, [refused(401, 'UNAUTHORIZED', 'missing or invalid bearer token')], fn ($ext) => $ext->testConfig());
scenario('getConfig', $config, [], fn ($ext) => $ext->getConfig());
scenario('getProductConfig', $config, [], fn ($ext) => $ext->getProductConfig());
scenario('createServer', $config, [ok(created(1001, 'allocating'), 201), ok(statusReply(1001, 'allocating', true))], function ($ext) use ($main, $basic) {
    return ['returned' => $ext->createServer($main, $basic, []), 'stored' => $main->stored];
});
scenario('getActions', $config, [ok(statusReply(1001, 'active', false))], fn ($ext) => $ext->getActions($main, $basic, []));
scenario('upgradeServer', $config, [ok(['success' => true, 'service_id' => '1001', 'state' => 'resizing', 'plan' => 'basic', 'requested_plan' => 'premium'])], fn ($ext) => $ext->upgradeServer($main, ['plan' => 'premium'], []));
scenario('suspendServer', $config, [ok(lifecycle(1001, 'suspending'))], fn ($ext) => $ext->suspendServer($main, $basic, []));
scenario('unsuspendServer', $config, [ok(lifecycle(1001, 'resuming'))], fn ($ext) => $ext->unsuspendServer($main, $basic, []));
scenario(
    'unsuspendServer while provisiond is unreachable',
    $config,
    ['Failed to connect to provisiond.test port 8080', 'Connection timed out after 10001 milliseconds', 'Failed to connect to provisiond.test port 8080'],
    fn ($ext) => $ext->unsuspendServer($main, $basic, []),
);
scenario(
    'suspendServer while provisiond is busy',
    $config,
    [refused(503, 'SHUTTING_DOWN', 'provisiond is shutting down; try again shortly'), ['headers' => ['Retry-After' => '30']] + refused(429, 'RATE_LIMITED', 'too many requests'), ok(lifecycle(1001, 'suspending'))],
    fn ($ext) => $ext->suspendServer($main, $basic, []),
);
scenario('getActions while the site is built', $config, [ok(statusReply(1001, 'provisioning', true))], fn ($ext) => $ext->getActions($main, $basic, []));
scenario('terminateServer', $config, [ok(lifecycle(1001, 'deleting'))], fn ($ext) => $ext->terminateServer($main, $basic, []));
scenario('terminateServer of a site provisiond never had', $config, [refused(404, 'NOT_FOUND', 'no service 1003')], fn ($ext) => $ext->terminateServer(new Service(1003, $customer), $basic, []));
scenario(
    'createServer whose first answer is lost',
    $config,
    ['Connection timed out after 10001 milliseconds', ok(created(1002, 'allocating'), 201), ok(statusReply(1002, 'allocating', true))],
    fn ($ext) => $ext->createServer(new Service(1002, $customer), $basic, []),
);
scenario('createServer with an unknown plan', $config, [refused(422, 'UNKNOWN_PLAN', 'plan: unknown plan "gold"; known plans: basic, premium, business')], fn ($ext) => $ext->createServer(new Service(1004, $customer), ['plan' => 'gold'], []));
scenario('getActions while provisiond is down', $config, ['Failed to connect to provisiond.test port 8080'], fn ($ext) => $ext->getActions($main, $basic, []));

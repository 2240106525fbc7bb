<?php

/*
 * provisiond's answers as the harness scripts them, in the shapes of the API's OpenAPI
 * document (the Node test validates each one against it, so they cannot drift from it).
 */

function ok(array $body, int $status = 200): array
{
    return ['status' => $status, 'body' => $body];
}

function refused(int $status, string $code, string $message): array
{
    return ['status' => $status, 'body' => ['error' => ['code' => $code, 'message' => $message]]];
}

function created(int $id, string $state): array
{
    return ['success' => true, 'service_id' => (string) $id, 'state' => $state, 'vmid' => 1000, 'private_ip' => '127.42.0.100', 'subdomain' => 'customer'];
}

function lifecycle(int $id, string $state): array
{
    return ['success' => true, 'service_id' => (string) $id, 'state' => $state];
}

/** GET /status: the service view, no container reading yet, one transition. */
function statusReply(int $id, string $state, bool $busy): array
{
    $at = 1767225600000;
    $service = [
        'service_id' => (string) $id,
        'email' => 'customer@example.com',
        'plan' => 'basic',
        'public_ip' => '203.0.113.10',
        'vmid' => 1000,
        'private_ip' => '127.42.0.100',
        'subdomain' => 'customer',
        'fqdn' => 'customer.sandbox.test',
        'state' => $state,
        'step' => $busy ? 'provisioning.site.install.running|provisioning.dns.done' : null,
        'busy' => $busy,
        'healthy' => !$busy,
        'desired' => 'running',
        'failure' => null,
        'last_error' => $busy ? ['code' => 'UPSTREAM_UNAVAILABLE', 'message' => 'Proxmox answered 503'] : null,
        'compensation_errors' => [],
        'initial_snapshot' => !$busy,
        'domains' => [],
        'domain_quota' => 3,
        'created_at' => $at,
        'updated_at' => $at + 1000,
    ];
    $transition = ['seq' => 1, 'service_id' => (string) $id, 'from' => null, 'to' => 'allocating', 'event' => 'create', 'step' => null, 'error' => null, 'at' => $at];

    return ['success' => true, 'service' => $service, 'container' => null, 'transitions' => [$transition]];
}

<?php

namespace Paymenter\Extensions\Servers\Provisiond;

/**
 * Turns provisiond's service view (GET /status → `service`) into the items of Paymenter's
 * service page: the site's address, its state, and how far the current work has come. Failure
 * details stay with the operators (they can name infrastructure); the customer reads that the
 * site is being looked after.
 */
final class StatusView
{
    /** What each top-level state means to a customer. */
    private const STATES = [
        'pending' => 'Queued',
        'allocating' => 'Reserving resources',
        'provisioning' => 'Being built',
        'active' => 'Online',
        'suspending' => 'Being suspended',
        'suspended' => 'Suspended',
        'resuming' => 'Coming back online',
        'reinstalling' => 'Being reinstalled',
        'restoring' => 'Being restored',
        'resizing' => 'Changing plan',
        'compensating' => 'Setup stopped; undoing it',
        'failed' => 'Setup stopped; our team has been told',
        'deleting' => 'Being deleted',
        'deleted' => 'Deleted',
    ];

    /**
     * @param  array<string, mixed>  $service
     * @return list<array<string, string>>
     */
    public static function actions(array $service): array
    {
        $state = is_string($service['state'] ?? null) ? $service['state'] : 'unknown';
        $fqdn = is_string($service['fqdn'] ?? null) ? $service['fqdn'] : '';
        $items = [
            ['type' => 'text', 'label' => 'Site', 'text' => $fqdn === '' ? '—' : $fqdn],
            ['type' => 'text', 'label' => 'State', 'text' => self::STATES[$state] ?? $state],
            ['type' => 'text', 'label' => 'Progress', 'text' => self::progress($service, $state)],
        ];
        if ($fqdn !== '' && ($service['healthy'] ?? false) === true) {
            $items[] = ['type' => 'button', 'label' => 'Open site', 'url' => 'https://' . $fqdn];
            $items[] = ['type' => 'button', 'label' => 'WordPress admin', 'url' => 'https://' . $fqdn . '/wp-admin/'];
        }

        return $items;
    }

    /** The step under way ("site › install"), and whether it is waiting out a passing error. */
    private static function progress(array $service, string $state): string
    {
        if (($service['busy'] ?? false) !== true) {
            return $state === 'failed' ? 'Stopped' : 'Done';
        }
        $step = is_string($service['step'] ?? null) ? $service['step'] : '';
        $regions = [];
        foreach (explode('|', $step) as $path) {
            // "provisioning.site.install.running" → "site › install": the state is shown above,
            // and running/waiting/done are mechanics.
            $parts = array_values(array_diff(array_slice(explode('.', $path), 1), ['running', 'waiting', 'done']));
            if ($parts !== []) {
                $regions[] = implode(' › ', $parts);
            }
        }
        $text = $regions === [] ? 'Working' : 'Working on ' . implode(', ', array_unique($regions));

        return is_array($service['last_error'] ?? null) ? $text . ' (retrying after a passing error)' : $text;
    }
}

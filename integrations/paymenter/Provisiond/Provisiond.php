<?php

namespace Paymenter\Extensions\Servers\Provisiond;

use App\Attributes\ExtensionMeta;
use App\Classes\Extension\Server;
use App\Models\Service;

/**
 * Paymenter's server extension for provisiond: each lifecycle call becomes one command to the
 * daemon, which answers as soon as the command is recorded and does the work (minutes, for a
 * new site) itself, with its own retries. Every call is safe to repeat: provisiond is
 * idempotent on the service id (a second create returns the existing site; suspend, unsuspend
 * and delete state a wish, and a wish already met is a success).
 */
#[ExtensionMeta(
    name: 'provisiond',
    description: 'WordPress sites on Proxmox, built and kept by provisiond.',
    version: '1.0.0',
    author: 'provisiond',
)]
class Provisiond extends Server
{
    public function getConfig($values = []): array
    {
        return [
            [
                'name' => 'url',
                'label' => 'provisiond URL',
                'type' => 'text',
                'placeholder' => 'https://provisiond.example.net',
                'description' => 'Where the daemon answers HTTP (scheme, host and port; no path).',
                'required' => true,
                'validation' => 'url',
            ],
            [
                'name' => 'token',
                'label' => 'API token',
                'type' => 'password',
                'description' => "The daemon's PROVISIOND_API_TOKEN.",
                'required' => true,
                'encrypted' => true,
            ],
            [
                'name' => 'public_ip',
                'label' => 'Public IP of the reverse proxy',
                'type' => 'text',
                'description' => "Where the sites' DNS records point: the Nginx Proxy Manager in front of the containers.",
                'required' => true,
                'validation' => 'ipv4',
            ],
        ];
    }

    /** One authenticated read: proves the URL, the network path and the token. */
    public function testConfig(): bool|string
    {
        try {
            $this->client()->read('/v1/services', ['limit' => '1']);
        } catch (\Exception $e) {
            return $e->getMessage();
        }

        return true;
    }

    public function getProductConfig($values = []): array
    {
        return [
            [
                'name' => 'plan',
                'label' => 'Plan',
                'type' => 'text',
                'default' => 'basic',
                'description' => "A plan of provisiond's configuration (memory, CPU, disk, custom domains): basic, premium and business unless configured otherwise.",
                'required' => true,
                'validation' => 'regex:/^[A-Za-z0-9_.-]{1,64}$/',
            ],
        ];
    }

    /**
     * Returns once provisiond has committed the allocation (about a second), not when the site
     * is built: building takes minutes, longer than Paymenter's 120 s job limit, and provisiond
     * keeps at it (and rolls back) on its own. The array feeds the "server created" e-mail, so
     * it holds only what is already certain: the site's address.
     */
    public function createServer(Service $service, $settings, $properties)
    {
        $created = $this->client()->command((string) $service->id, 'create', '/create-site', [
            'service_id' => (int) $service->id,
            'email' => $service->user->email,
            'plan' => (string) ($settings['plan'] ?? 'basic'),
            'public_ip' => (string) $this->config('public_ip'),
        ]);
        $data = ['subdomain' => $created['subdomain'] ?? '', 'state' => $created['state'] ?? ''];
        $fqdn = $this->fqdn($service);
        if ($fqdn !== null) {
            $service->properties()->updateOrCreate(['key' => 'provisiond_site'], ['name' => 'Site', 'value' => $fqdn]);
            $data['site_url'] = 'https://' . $fqdn;
            $data['setup_url'] = 'https://' . $fqdn . '/wp-admin/install.php';
        }

        return $data;
    }

    public function suspendServer(Service $service, $settings, $properties)
    {
        return $this->lifecycle($service, 'suspend', '/suspend');
    }

    public function unsuspendServer(Service $service, $settings, $properties)
    {
        return $this->lifecycle($service, 'unsuspend', '/unsuspend');
    }

    /** A site provisiond never had is already gone: that is a success too. */
    public function terminateServer(Service $service, $settings, $properties)
    {
        try {
            return $this->lifecycle($service, 'delete', '/delete-site');
        } catch (ProvisiondException $e) {
            if ($e->errorCode === 'NOT_FOUND') {
                return ['state' => 'deleted'];
            }
            throw $e;
        }
    }

    /** `$settings` are the new product's here (Paymenter swaps them before the job runs). */
    public function upgradeServer(Service $service, $settings, $properties)
    {
        $id = (string) $service->id;
        $this->client()->command($id, 'upgrade', '/v1/services/' . rawurlencode($id) . '/plan', [
            'plan' => (string) ($settings['plan'] ?? 'basic'),
        ]);

        return true;
    }

    /**
     * The service page: where the site is and what provisiond is doing. Paymenter hides this
     * call's failures, so a daemon that does not answer within a few seconds is said so here.
     */
    public function getActions(Service $service, $settings, $properties): array
    {
        try {
            $status = $this->client()->read('/status', ['service_id' => (string) $service->id], 4);
        } catch (\Exception $e) {
            return [['type' => 'text', 'label' => 'Site status', 'text' => 'Not available right now; please try again in a minute.']];
        }

        return StatusView::actions(is_array($status['service'] ?? null) ? $status['service'] : []);
    }

    /** @return array<string, mixed> */
    private function lifecycle(Service $service, string $action, string $path): array
    {
        $reply = $this->client()->command((string) $service->id, $action, $path, ['service_id' => (int) $service->id]);

        return ['state' => $reply['state'] ?? ''];
    }

    /** The site's host name; null when the status could not be read (the e-mail goes without it). */
    private function fqdn(Service $service): ?string
    {
        try {
            $status = $this->client()->read('/status', ['service_id' => (string) $service->id]);
        } catch (\Exception $e) {
            return null;
        }
        $fqdn = $status['service']['fqdn'] ?? null;

        return is_string($fqdn) && $fqdn !== '' ? $fqdn : null;
    }

    private function client(): ProvisiondClient
    {
        return new ProvisiondClient(rtrim((string) $this->config('url'), '/'), (string) $this->config('token'));
    }
}

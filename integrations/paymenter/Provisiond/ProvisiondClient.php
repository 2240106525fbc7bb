<?php

namespace Paymenter\Extensions\Servers\Provisiond;

use Illuminate\Http\Client\ConnectionException;
use Illuminate\Http\Client\PendingRequest;
use Illuminate\Http\Client\Response;
use Illuminate\Support\Facades\Http;
use Illuminate\Support\Sleep;

/**
 * provisiond's HTTP API as the extension uses it: short timeouts, the bearer token, and
 * commands that may be sent again safely.
 *
 * Paymenter runs each extension call in a job with one try and 120 s (reference NOTES §1), so
 * every call here ends well within that: a request waits at most TIMEOUT seconds, a command
 * tries ATTEMPTS times, and the pauses between tries are capped; the worst case is about 40 s.
 * provisiond answers every command as soon as it is recorded; the long work (minutes for a new
 * site) happens there, with its own retries.
 */
final class ProvisiondClient
{
    /** Seconds to establish a connection. */
    public const CONNECT_TIMEOUT = 3;

    /** Seconds for a whole request, answer included. */
    public const TIMEOUT = 10;

    /** Tries per command: a lost answer or a busy daemon is asked again, with the same key. */
    public const ATTEMPTS = 3;

    /** Longest pause between tries, whatever Retry-After says. */
    public const MAX_PAUSE = 5;

    public function __construct(
        private readonly string $url,
        private readonly string $token,
    ) {
    }

    /**
     * A read, tried once: for status pages a quick answer or none beats a slow one.
     *
     * @param  array<string, string>  $query
     * @return array<string, mixed>
     */
    public function read(string $path, array $query = [], int $timeout = self::TIMEOUT): array
    {
        $response = $this->request($timeout, [])->get($this->url . $path, $query);

        return $this->decode($response);
    }

    /**
     * A command (POST). Every try carries the same Idempotency-Key, so a command whose answer
     * was lost is applied once however often it is sent. The key names the service, the
     * action and this one call: a later call (next month's suspension, an admin's re-run)
     * gets a new key, so it is applied as the new request it is instead of being answered
     * with an old outcome (provisiond replays the first answer to a key, errors included).
     *
     * @param  array<string, mixed>  $body
     * @return array<string, mixed>
     */
    public function command(string $serviceId, string $action, string $path, array $body): array
    {
        $key = 'paymenter-' . $serviceId . '-' . $action . '-' . bin2hex(random_bytes(8));
        for ($attempt = 1; ; $attempt++) {
            $last = $attempt >= self::ATTEMPTS;
            try {
                $response = $this->request(self::TIMEOUT, ['Idempotency-Key' => $key])->post($this->url . $path, $body);
            } catch (ConnectionException $e) {
                if ($last) {
                    throw new ProvisiondException('provisiond did not answer: ' . $e->getMessage(), 'UNREACHABLE', 0);
                }
                Sleep::sleep($attempt);
                continue;
            }
            if ($last || !in_array($response->status(), [429, 502, 503, 504], true)) {
                return $this->decode($response);
            }
            Sleep::sleep($this->pause($response, $attempt));
        }
    }

    /** @param  array<string, string>  $headers */
    private function request(int $timeout, array $headers): PendingRequest
    {
        return Http::withToken($this->token)
            ->acceptJson()
            ->withUserAgent('paymenter-provisiond/1.0')
            ->withHeaders($headers)
            ->connectTimeout(min(self::CONNECT_TIMEOUT, $timeout))
            ->timeout($timeout);
    }

    /** Retry-After when the daemon sends one (429), else a growing pause; never above MAX_PAUSE. */
    private function pause(Response $response, int $attempt): int
    {
        $after = $response->header('Retry-After');
        $seconds = is_numeric($after) ? (int) $after : $attempt;

        return max(1, min(self::MAX_PAUSE, $seconds));
    }

    /** @return array<string, mixed> */
    private function decode(Response $response): array
    {
        $body = $response->json();
        if ($response->successful() && is_array($body)) {
            return $body;
        }
        $error = is_array($body) && is_array($body['error'] ?? null) ? $body['error'] : [];
        $code = is_string($error['code'] ?? null) ? $error['code'] : 'HTTP_' . $response->status();
        $message = is_string($error['message'] ?? null) ? $error['message'] : 'unexpected answer';

        throw new ProvisiondException("provisiond answered {$response->status()} {$code}: {$message}", $code, $response->status());
    }
}

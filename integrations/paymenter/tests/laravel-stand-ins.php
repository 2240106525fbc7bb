<?php

/*
 * Laravel as far as the extension touches it, as small stand-ins: the Http facade (recording
 * each request and answering from a script instead of the network) and Sleep (recorded, not
 * slept). Paymenter's own classes are in paymenter-stand-ins.php. Each stand-in mirrors the
 * real method it replaces only as far as the extension relies on it: the headers
 * PendingRequest adds (withToken → Authorization: Bearer, acceptJson → Accept, a post body →
 * Content-Type: application/json), `get($url, $query)` adding a query string, and Response's
 * status/json/header/successful.
 */

namespace Harness {
    /** What the scenario under way answers, and every request it saw. */
    final class Wire
    {
        /** @var list<array{status: int, body?: mixed, headers?: array<string, string>}|string> */
        public static array $script = [];

        /** @var list<array<string, mixed>> */
        public static array $requests = [];

        /** @var list<int|float> */
        public static array $slept = [];

        public static function reset(array $script): void
        {
            self::$script = $script;
            self::$requests = [];
            self::$slept = [];
        }
    }
}

namespace Illuminate\Http\Client {
    class ConnectionException extends \Exception
    {
    }

    class Response
    {
        public function __construct(private int $status, private string $body, private array $headers)
        {
        }

        public function status(): int
        {
            return $this->status;
        }

        public function successful(): bool
        {
            return $this->status >= 200 && $this->status < 300;
        }

        public function body(): string
        {
            return $this->body;
        }

        public function json($key = null, $default = null)
        {
            $decoded = json_decode($this->body, true);

            return $key === null ? $decoded : ($decoded[$key] ?? $default);
        }

        public function header(string $name): string
        {
            foreach ($this->headers as $header => $value) {
                if (strcasecmp($header, $name) === 0) {
                    return $value;
                }
            }

            return '';
        }
    }

    class PendingRequest
    {
        private array $headers = [];
        private ?float $timeout = null;
        private ?float $connectTimeout = null;

        public function withToken(string $token, string $type = 'Bearer'): static
        {
            $this->headers['Authorization'] = trim($type . ' ' . $token);

            return $this;
        }

        public function acceptJson(): static
        {
            $this->headers['Accept'] = 'application/json';

            return $this;
        }

        public function withUserAgent(string $userAgent): static
        {
            $this->headers['User-Agent'] = $userAgent;

            return $this;
        }

        public function withHeaders(array $headers): static
        {
            $this->headers = array_merge($this->headers, $headers);

            return $this;
        }

        public function timeout(int|float $seconds): static
        {
            $this->timeout = $seconds;

            return $this;
        }

        public function connectTimeout(int|float $seconds): static
        {
            $this->connectTimeout = $seconds;

            return $this;
        }

        public function get(string $url, $query = null): Response
        {
            $query = is_array($query) ? $query : [];

            return $this->send('GET', $url . ($query === [] ? '' : '?' . http_build_query($query)), null);
        }

        public function post(string $url, array $data = []): Response
        {
            $this->headers['Content-Type'] = 'application/json';

            return $this->send('POST', $url, $data);
        }

        private function send(string $method, string $url, ?array $body): Response
        {
            $outcome = array_shift(\Harness\Wire::$script) ?? ['status' => 599, 'body' => ['error' => ['code' => 'SCRIPT_EXHAUSTED', 'message' => 'no answer scripted']]];
            \Harness\Wire::$requests[] = [
                'method' => $method,
                'url' => $url,
                'headers' => $this->headers,
                'body' => $body,
                'timeout' => $this->timeout,
                'connect_timeout' => $this->connectTimeout,
                'outcome' => $outcome,
            ];
            if (is_string($outcome)) {
                throw new ConnectionException("cURL error 7: {$outcome}");
            }

            return new Response($outcome['status'], json_encode($outcome['body'] ?? null), $outcome['headers'] ?? []);
        }
    }
}

namespace Illuminate\Support\Facades {
    use Illuminate\Http\Client\PendingRequest;

    class Http
    {
        public static function __callStatic(string $method, array $arguments)
        {
            return (new PendingRequest())->{$method}(...$arguments);
        }
    }
}

namespace Illuminate\Support {
    class Sleep
    {
        public static function sleep(int|float $duration): void
        {
            \Harness\Wire::$slept[] = $duration;
        }
    }
}

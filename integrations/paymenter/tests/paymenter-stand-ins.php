<?php

/*
 * Paymenter's classes as far as the extension touches them: the Extension and Server base
 * classes (settings read with config()), the ExtensionMeta attribute, and a Service with its
 * user and the properties the extension stores on it.
 */

namespace App\Attributes {
    #[\Attribute(\Attribute::TARGET_CLASS)]
    class ExtensionMeta
    {
        public function __construct(public string $name, public string $description, public string $version, public string $author, public string $url = '')
        {
        }
    }
}

namespace App\Classes\Extension {
    class Extension
    {
        public function __construct(public $config = [])
        {
        }

        public function config($key)
        {
            return $this->config[$key] ?? null;
        }
    }

    class Server extends Extension
    {
    }
}

namespace App\Models {
    /** A service with its user and the properties the extension stores on it. */
    class Service
    {
        public array $stored = [];

        public function __construct(public int $id, public object $user)
        {
        }

        public function properties(): object
        {
            $service = $this;

            return new class ($service) {
                public function __construct(private Service $service)
                {
                }

                public function updateOrCreate(array $match, array $values): void
                {
                    $this->service->stored[$match['key']] = $values;
                }
            };
        }
    }
}

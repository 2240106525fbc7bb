<?php

namespace Paymenter\Extensions\Servers\Provisiond;

use Exception;

/**
 * provisiond refused a request or could not be reached. The message is what Paymenter shows
 * (Failed Jobs, the admin's notification); `errorCode` is provisiond's stable code
 * (`NOT_FOUND`, `UNKNOWN_PLAN`, …, or `UNREACHABLE`), which the extension acts on.
 */
final class ProvisiondException extends Exception
{
    public function __construct(
        string $message,
        public readonly string $errorCode,
        public readonly int $status,
    ) {
        parent::__construct($message);
    }
}

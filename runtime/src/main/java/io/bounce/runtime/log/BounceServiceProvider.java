package io.bounce.runtime.log;

import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Bounce's SLF4J backend: every role logs through it ({@link LogSettings} for the format and levels,
 * {@link BounceLogger} for the lines). A small backend of our own in place of a logging framework:
 * what a role needs is a line per event, text or JSON, levels per logger, and key-value pairs (the access
 * and audit logs) carried into the JSON as members, which slf4j-simple drops.
 */
public final class BounceServiceProvider implements SLF4JServiceProvider
{
    private ILoggerFactory factory;
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory()
    {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory()
    {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter()
    {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion()
    {
        return "2.0.99";
    }

    @Override
    public void initialize()
    {
        final LogSettings settings = LogSettings.fromEnvironment(System.getenv());
        final ConcurrentHashMap<String, Logger> loggers = new ConcurrentHashMap<>();
        factory = name -> loggers.computeIfAbsent(name, n -> new BounceLogger(n, settings, null));
    }
}

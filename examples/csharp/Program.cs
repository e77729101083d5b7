// Program.cs: reads a card through cccd-bridge from a console program, prints the registration
// block's values, the verdict and the eligibility, and the events of the read.
//
//   mcs -langversion:6 -r:System.Net.Http.dll -r:System.Runtime.Serialization.dll \
//       -out:CccdClientExample.exe examples/csharp/*.cs
//   mono CccdClientExample.exe --url http://127.0.0.1:8765 --key KEY --can 012345
//
// (On Windows: csc.exe of the .NET Framework, or a Visual Studio project with the two
// references; then CccdClientExample.exe --url ... .) Against `cccd demo` the virtual card is
// put on its reader first.

using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace CccdBridge
{
    static class Program
    {
        static int Main(string[] args)
        {
            Console.OutputEncoding = new UTF8Encoding(false);
            var options = new Dictionary<string, string>();
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                options[args[i]] = args[i + 1];
            }
            string url, key, can;
            if (!options.TryGetValue("--url", out url)) url = "http://127.0.0.1:8765";
            if (!options.TryGetValue("--key", out key) || !options.TryGetValue("--can", out can))
            {
                Console.Error.WriteLine("usage: CccdClientExample.exe [--url URL] --key KEY --can CAN");
                return 2;
            }
            try
            {
                using (var cccd = new CccdClient(url, key))
                using (var stop = new CancellationTokenSource())
                {
                    var health = cccd.HealthAsync().Result;
                    Console.WriteLine("cccd-bridge " + health.Version + (health.Demo ? " (demo)" : ""));
                    var open = new ManualResetEventSlim();
                    var eligibilityEvent = new ManualResetEventSlim();
                    var events = cccd.FollowEventsAsync((name, json) =>
                    {
                        if (name == "card.progress") return;
                        Console.WriteLine("event " + name);
                        if (name == "eligibility.result") eligibilityEvent.Set();
                    }, open.Set, stop.Token);
                    if (!open.Wait(TimeSpan.FromSeconds(20)))
                    {
                        Console.Error.WriteLine("the event stream did not open");
                        return 1;
                    }
                    if (health.Demo) cccd.TapAsync().Wait();
                    var session = cccd.ReadAsync(new ReadRequest { Can = can, WaitSeconds = 60 }).Result;
                    foreach (var v in session.Registration.Values())
                    {
                        if (v.Value == null) continue;
                        Console.WriteLine("{0} = {1} ({2}{3})", v.Key, v.Value.Value, v.Value.Source,
                            v.Value.Uncertain != null ? ", uncertain: " + v.Value.Uncertain : "");
                    }
                    Console.WriteLine("identifiedBy = " + session.IdentifiedBy);
                    Console.WriteLine("verdict = " + session.Verification.Verdict);
                    Console.WriteLine("eligibility = " + (session.Eligibility != null ? session.Eligibility.Category : "not checked"));
                    if (session.Eligibility != null && session.Eligibility.Message != null)
                    {
                        Console.WriteLine("  " + session.Eligibility.Message.Vi);
                    }
                    // The read's events may still be on their way.
                    eligibilityEvent.Wait(TimeSpan.FromSeconds(20));
                    stop.Cancel();
                    try { events.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
                    return 0;
                }
            }
            catch (AggregateException e)
            {
                var inner = e.Flatten().InnerException;
                Console.Error.WriteLine("error: " + (inner != null ? inner.Message : e.Message));
                return 1;
            }
            catch (CccdException e)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 1;
            }
        }
    }
}
